using System.Data.Common;

namespace Tunai.Gateway.Storage;

/// <summary>
/// The connection and transaction a unit of writes runs in (see <see cref="Database.WriteAsync{T}"/>). The
/// unit's statements take effect only if it calls <see cref="Commit"/> before it returns; returning or throwing
/// without it rolls them back, whatever the units around it do.
/// </summary>
public sealed class WriteUnit(DbConnection connection, DbTransaction transaction)
{
    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    /// <summary>
    /// The W3C traceparent of the request that asked for this unit, taken where it asked: on SQLite the unit runs on
    /// the writer's loop, where <see cref="System.Diagnostics.Activity.Current"/> is not the request's.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>True once <see cref="Commit"/> was called.</summary>
    public bool Committed { get; private set; }

    /// <summary>
    /// Keeps the unit's writes. They become durable when the transaction commits, after the unit returns:
    /// <see cref="Database.WriteAsync{T}"/> returns only then, or throws when they could not be written.
    /// </summary>
    public void Commit()
    {
        if (Committed)
        {
            throw new InvalidOperationException("The unit has already committed");
        }
        Committed = true;
    }

    private List<Action>? _afterCommit;

    /// <summary>
    /// Runs <paramref name="action"/> once the unit's writes are durable (after the COMMIT that holds them), and
    /// never if they were rolled back. For hand-overs that must not happen before the data exists, such as giving a
    /// new notification to this instance's worker. Runs on the committing thread: keep it short and non-blocking.
    /// </summary>
    public void AfterCommit(Action action) => (_afterCommit ??= []).Add(action);

    /// <summary>Called by the database once the transaction holding this unit has committed.</summary>
    internal void RunAfterCommit()
    {
        if (_afterCommit is null)
        {
            return;
        }
        foreach (var action in _afterCommit)
        {
            try
            {
                action();
            }
#pragma warning disable CA1031 // The writes are durable whatever a hand-over does: its failure must not report them lost.
            catch (Exception)
#pragma warning restore CA1031
            {
                // What a hand-over would have sped up is still found by its owner's poll (see Outbox).
            }
        }
        _afterCommit = null;
    }
}

/// <summary>
/// The SQLite group's commit failed after this unit had finished its work: nothing of the group was written,
/// so running the unit again is safe.
/// </summary>
public sealed class WriteGroupFailedException(Exception inner)
    : Exception("The write group this unit belonged to could not be committed: " + inner.Message, inner);
