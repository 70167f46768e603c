using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;

namespace Tunai.Gateway.Storage;

/// <summary>
/// The connection and transaction a unit of writes runs in (see <see cref="Database.WriteAsync{T}"/>). The
/// unit's statements take effect only if it calls <see cref="Commit"/> before it returns; returning or throwing
/// without it rolls them back, whatever the units around it do.
/// </summary>
public sealed partial class WriteUnit(DbConnection connection, DbTransaction transaction, bool batchesTail = false)
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

    private List<(string Sql, object? Parameters, int Rows)>? _tail;

    /// <summary>
    /// A write whose result the unit does not need (an insert that returns nothing, an update whose one row the unit
    /// already holds), checked to change exactly <paramref name="rows"/> rows. On PostgreSQL such writes wait and go
    /// to the server together, as one command of several statements just before COMMIT: a request then waits on the
    /// database once for all of them instead of once each. On SQLite, where the writer runs in this process and a
    /// statement costs no round trip, it runs at once. Either way it belongs to the unit: if it fails, the unit fails
    /// and nothing of it is kept. Statements must name their parameters with '@' and hold no '@' otherwise.
    /// </summary>
    public async Task LaterAsync(string sql, object? parameters, int rows)
    {
        if (!batchesTail)
        {
            var changed = await Connection.ExecuteAsync(sql, parameters, Transaction);
            Check(changed, rows, sql);
            return;
        }
        (_tail ??= []).Add((sql, parameters, rows));
    }

    /// <summary>
    /// <see cref="LaterAsync(string, object?, int)"/> with the values given by name, in order: on SQLite's writer they are
    /// bound straight to its kept statements (see <see cref="StatementCachingConnection.Execute"/>), for the hottest
    /// writes; elsewhere they travel as the same named parameters.
    /// </summary>
    public Task LaterAsync(string sql, string[] names, object?[] values, int rows)
    {
        if (!batchesTail && Connection is StatementCachingConnection writer)
        {
            Check(writer.Execute(sql, names, values), rows, sql);
            return Task.CompletedTask;
        }
        return LaterAsync(sql, Parameters(names, values), rows);
    }

    /// <summary>
    /// Runs <paramref name="sql"/> now, in this unit, with the values given by name as for
    /// <see cref="LaterAsync(string, string[], object?[], int)"/> (bound straight on SQLite's writer), and returns the
    /// rows it changed. For a write whose count decides what the unit does next.
    /// </summary>
    public async Task<int> ExecuteAsync(string sql, string[] names, object?[] values)
    {
        return Connection is StatementCachingConnection writer
            ? writer.Execute(sql, names, values)
            : await Connection.ExecuteAsync(sql, Parameters(names, values), Transaction);
    }

    /// <summary>
    /// Runs a one-row INSERT now, in this unit, with the values given by name as for <see cref="ExecuteAsync"/>, and
    /// returns the new row's id. On SQLite's writer that is the row's rowid, with no row read back; elsewhere the
    /// statement gains <c>RETURNING id</c>. Throws (failing the unit) when the statement inserted no row.
    /// </summary>
    public async Task<long> InsertAsync(string sql, string[] names, object?[] values)
    {
        if (Connection is StatementCachingConnection writer)
        {
            return writer.Insert(sql, names, values);
        }
        return await Connection.ExecuteScalarAsync<long?>(sql + " RETURNING id", Parameters(names, values), Transaction)
            ?? throw new InvalidOperationException($"Expected one row inserted, not none: {sql}");
    }

    /// <summary>
    /// The values as Dapper's named parameters, for a database other than SQLite's writer (which checks names against
    /// values itself when it binds them).
    /// </summary>
    internal static DynamicParameters Parameters(string[] names, object?[] values)
    {
        if (names.Length != values.Length)
        {
            throw new ArgumentException($"{names.Length} names for {values.Length} values", nameof(values));
        }
        var parameters = new DynamicParameters();
        for (var i = 0; i < names.Length; i++)
        {
            parameters.Add(names[i], values[i]);
        }
        return parameters;
    }

    /// <summary>Sends the writes kept by <see cref="LaterAsync(string, object?, int)"/> (PostgreSQL), in the order they were asked for.</summary>
    internal async Task FlushAsync()
    {
        if (_tail is not { Count: > 0 } tail)
        {
            return;
        }
        _tail = null;
        if (tail.Count == 1)
        {
            Check(await Connection.ExecuteAsync(tail[0].Sql, tail[0].Parameters, Transaction), tail[0].Rows, tail[0].Sql);
            return;
        }
        // One command text: each statement's parameters renamed apart (@x of the third becomes @t2_x).
        var sql = new StringBuilder();
        var parameters = new DynamicParameters();
        // Sent together, the statements report one total: each one's count is known, so the total still checks them all.
        var expected = 0;
        for (var i = 0; i < tail.Count; i++)
        {
            var (text, values, rows) = tail[i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"t{i}_");
            sql.Append(Parameter().Replace(text, m => "@" + prefix + m.Groups[1].Value)).Append(";\n");
            switch (values)
            {
                case null:
                    break;
                case DynamicParameters bag:
                    // Only what was added by name: a DynamicParameters built around a template hides the template's names.
                    foreach (var name in bag.ParameterNames)
                    {
                        parameters.Add(prefix + name, bag.Get<object?>(name));
                    }
                    break;
                default:
                    foreach (var property in values.GetType().GetProperties())
                    {
                        parameters.Add(prefix + property.Name, property.GetValue(values));
                    }
                    break;
            }
            expected += rows;
        }
        Check(await Connection.ExecuteAsync(sql.ToString(), parameters, Transaction), expected, sql.ToString());
    }

    private static void Check(int changed, int rows, string sql)
    {
        if (changed != rows)
        {
            throw new InvalidOperationException($"Expected {rows} row(s) changed, got {changed}: {sql}");
        }
    }

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex Parameter();

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
public sealed class WriteGroupFailedException(string message, Exception inner) : Exception(message + ": " + inner.Message, inner)
{
    public WriteGroupFailedException(Exception inner)
        : this("The write group this unit belonged to could not be committed", inner)
    {
    }
}
