using System.Data.Common;

namespace Tunai.Gateway.Storage;

/// <summary>
/// One unit of writes: its statements take effect together when <see cref="CommitAsync"/> returns, or not at
/// all when it is disposed without committing. Every write the gateway makes goes through one.
/// <para>
/// On PostgreSQL a unit is a transaction of its own. On SQLite, which has one writer, units queue in the process
/// for the one write connection and commit in groups (<see cref="SqliteWriter"/>): a unit is a savepoint inside
/// the group's transaction, and <see cref="CommitAsync"/> returns once the group's COMMIT is on disk. Nothing may
/// use <see cref="Connection"/> after <see cref="CommitAsync"/> or while the unit is not held.
/// </para>
/// </summary>
public abstract class WriteUnit : IAsyncDisposable
{
    protected WriteUnit(DbConnection connection, DbTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public DbConnection Connection { get; }

    public DbTransaction Transaction { get; }

    /// <summary>Returns when the unit's writes are durable; throws when they are not (the caller may run the unit again).</summary>
    public abstract Task CommitAsync(CancellationToken ct = default);

    /// <summary>Rolls back what was not committed and gives the connection back.</summary>
    public abstract ValueTask DisposeAsync();
}

/// <summary>A unit that is a transaction of its own on a pooled connection (PostgreSQL).</summary>
internal sealed class TransactionUnit(DbConnection connection, DbTransaction transaction) : WriteUnit(connection, transaction)
{
    public override Task CommitAsync(CancellationToken ct = default) => Transaction.CommitAsync(ct);

    public override async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}

/// <summary>
/// The SQLite group's commit failed after this unit had finished its work: nothing of the group was written,
/// so running the unit again is safe.
/// </summary>
public sealed class WriteGroupFailedException(Exception inner)
    : Exception("The write group this unit belonged to could not be committed: " + inner.Message, inner);
