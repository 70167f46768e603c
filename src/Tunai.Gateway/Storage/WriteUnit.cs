namespace Tunai.Gateway.Storage;

/// <summary>
/// The connection and transaction a unit of writes runs in (see <see cref="Database.WriteAsync{T}"/>). The
/// unit's statements take effect only if it calls <see cref="Commit"/> before it returns; returning or throwing
/// without it rolls them back, whatever the units around it do.
/// </summary>
/// <remarks>
/// Features run their statements (<see cref="Statement{TArgs}"/>) through the unit and never ask which database it is
/// on: the unit chooses. On SQLite's writer (<see cref="StatementCachingConnection"/>) values are bound straight to
/// kept compiled statements and a new row's id is its rowid; on PostgreSQL statements go through Dapper, and the
/// two-step writes run as one statement each (<see cref="PostgresFusions"/>).
/// </remarks>
public sealed partial class WriteUnit(DbConnection connection, DbTransaction transaction)
{
    private readonly StatementCachingConnection? _writer = connection as StatementCachingConnection;

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
    /// True when no other unit runs while this one does (SQLite's one writer): what the unit reads stays so until it
    /// ends, so it may read where it would otherwise have to lock or claim. False where units run side by side
    /// (PostgreSQL), each relying on row locks and constraints.
    /// </summary>
    public bool RunsAlone => _writer is not null;

    /// <summary>
    /// Makes the units that hold <paramref name="key"/> run one after another, each until it ends: for a rule no row
    /// can hold (such as "no code prefix is a prefix of another"). A unit that runs alone holds every key already;
    /// on PostgreSQL it is a transaction-scoped advisory lock.
    /// </summary>
    public async Task HoldAsync(long key)
    {
        if (_writer is null)
        {
            await Connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@key)", new { key }, Transaction);
        }
    }

    /// <summary>
    /// Locks the row <paramref name="id"/> of <paramref name="table"/> until the unit ends, so units that lock it run
    /// one after another; a unit that runs alone holds every row already. <paramref name="table"/> is a constant name.
    /// </summary>
    public async Task HoldRowAsync(string table, long id)
    {
        if (_writer is null)
        {
            await Connection.ExecuteAsync($"SELECT id FROM {table} WHERE id = @id FOR UPDATE", new { id }, Transaction);
        }
    }

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

    /// <summary>Runs <paramref name="statement"/> now and returns the rows it changed: for a write whose count decides what the unit does next.</summary>
    public async Task<int> ExecuteAsync<TArgs>(Statement<TArgs> statement, TArgs args)
    {
        var values = statement.Values(args);
        return _writer is not null
            ? _writer.Execute(statement.Sql, statement.Names, values)
            : await Connection.ExecuteAsync(statement.Sql, Parameters(statement.Names, values), Transaction);
    }

    /// <summary>
    /// Runs a one-row INSERT now and returns the new row's id (SQLite's rowid on its writer, <c>RETURNING id</c>
    /// elsewhere). Throws, failing the unit, when it inserted no row. Features read back only the id of what they insert:
    /// a wide RETURNING costs SQLite more than the insert itself.
    /// </summary>
    public async Task<long> InsertAsync<TArgs>(Statement<TArgs> statement, TArgs args)
    {
        var values = statement.Values(args);
        return _writer is not null
            ? _writer.Insert(statement.Sql, statement.Names, values)
            : await Connection.ExecuteScalarAsync<long?>(statement.ReturningId, Parameters(statement.Names, values), Transaction)
                ?? throw new InvalidOperationException($"Expected one row inserted, not none: {statement.Sql}");
    }

    /// <summary><see cref="InsertAsync{TArgs}"/> for an insert that may insert nothing (ON CONFLICT DO NOTHING): null when it did not.</summary>
    public async Task<long?> TryInsertAsync<TArgs>(Statement<TArgs> statement, TArgs args)
    {
        var values = statement.Values(args);
        return _writer is not null
            ? _writer.TryInsert(statement.Sql, statement.Names, values)
            : await Connection.ExecuteScalarAsync<long?>(statement.ReturningId, Parameters(statement.Names, values), Transaction);
    }

    /// <summary>The first row <paramref name="query"/> returns, read by column name; null when it returns none.</summary>
    public async Task<TRow?> ReadAsync<TArgs, TRow>(Query<TArgs, TRow> query, TArgs args)
        where TRow : class
    {
        var s = query.Statement;
        var row = await ReadRowAsync(s.Sql, s.Names, s.Values(args));
        return row is null ? null : query.Read(row);
    }

    /// <summary>
    /// Runs <paramref name="change"/> and, only when it changed exactly one row, <paramref name="insert"/> (a one-row
    /// INSERT ... VALUES): the new row's id, or null when <paramref name="change"/> changed nothing. For a conditional
    /// update whose row count decides and the row it gives rise to.
    /// </summary>
    public async Task<long?> InsertIfChangedAsync<TArgs>(Statement<TArgs> change, Statement<TArgs> insert, TArgs args)
    {
        if (_writer is not null)
        {
            var changed = _writer.Execute(change.Sql, change.Names, change.Values(args));
            return changed switch
            {
                0 => null,
                1 => _writer.Insert(insert.Sql, insert.Names, insert.Values(args)),
                _ => throw new InvalidOperationException($"Expected at most one row changed, not {changed}: {change.Sql}"),
            };
        }
        var fused = PostgresFusions.InsertIfChanged(change, insert);
        return await Connection.ExecuteScalarAsync<long?>(fused.Sql, Parameters(fused.Names, fused.Values(args)), Transaction);
    }

    /// <summary>
    /// Runs <paramref name="insert"/> (which may insert nothing) and, when it inserted its row, <paramref name="then"/>,
    /// which finds the new row's id as <c>inserted.id</c> (a relation <c>inserted(id)</c> of one row). Returns the new
    /// id and <paramref name="then"/>'s first row (null when it returned none), or null when nothing was inserted.
    /// </summary>
    public async Task<(long Id, TRow? Row)?> TryInsertThenReadAsync<TArgs, TRow>(Statement<TArgs> insert, Query<TArgs, TRow> then, TArgs args)
        where TRow : class
    {
        if (_writer is not null)
        {
            if (_writer.TryInsert(insert.Sql, insert.Names, insert.Values(args)) is not { } id)
            {
                return null;
            }
            var (sql, names) = then.Statement.AfterInserted;
            return (id, _writer.Read(sql, names, then.Statement.ValuesAfter(id, args)) is { } found ? then.Read(found) : null);
        }
        var fused = PostgresFusions.TryInsertThenRead(insert, then.Statement);
        if (await ReadRowAsync(fused.Sql, fused.Names, fused.Values(args)) is not { } row)
        {
            return null;
        }
        // An outer join: the follow-up's columns are all NULL when it returned no row.
        return (row.Long(Statement<TArgs>.InsertedId), row.NullExcept(Statement<TArgs>.InsertedId) ? null : then.Read(row));
    }

    /// <summary>
    /// Runs <paramref name="writes"/> on SQLite's writer (see <see cref="Database.TryWriteTogetherAsync"/>): each in turn,
    /// a following one only when its parent wrote, bound with the parent's new id. Null when the first wrote nothing.
    /// </summary>
    internal WrittenTogether? RunTogether(WriteTogether writes)
    {
        var writer = _writer ?? throw new InvalidOperationException("Writes together run as a unit on SQLite's writer only");
        var steps = writes.Steps;
        var ids = new long?[steps.Count];
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var parentId = i == 0 ? 0 : ids[step.Parent];
            if (parentId is null)
            {
                continue;
            }
            if (i == 0 || step.ParentIdAs is null)
            {
                var (sql, names, values) = step.Statement;
                // Only a write that reads the id takes it: the same text elsewhere, first of its writes or in a unit, keeps
                // its one compiled form (bound with other names, it would be compiled again each time they alternate).
                if (i > 0 && Statement.ReadsInserted(sql))
                {
                    (sql, names) = Statement.AfterInserted(sql, names);
                    values = [parentId, .. values];
                }
                ids[i] = Wrote(writer, step, writer.Execute(sql, names, values));
            }
            else
            {
                var (sql, names, values) = step.Statement;
                values = (object?[])values.Clone();
                values[Array.IndexOf(names, step.ParentIdAs)] = parentId;
                ids[i] = Wrote(writer, step, writer.Execute(sql, names, values));
            }
            if (i == 0 && ids[0] is null)
            {
                return null;
            }
        }
        return new WrittenTogether(ids);

        static long? Wrote(StatementCachingConnection writer, WriteTogether.Step step, int changed) =>
            changed == 0 ? null : step.KeepsId && WriteTogether.IsInsert(step.Statement.Sql) ? writer.LastRowId : 0;
    }

    private async Task<Row?> ReadRowAsync(string sql, string[] names, object?[] values)
    {
        if (_writer is not null)
        {
            return _writer.Read(sql, names, values);
        }
        await using var reader = await Connection.ExecuteReaderAsync(sql, Parameters(names, values), Transaction);
        return await Row.FirstAsync(reader, CancellationToken.None);
    }

    private List<Deferred>? _deferred;

    /// <summary>
    /// A write whose result the unit does not need (an insert that returns nothing, an update of a row the unit already
    /// holds), checked to change exactly <paramref name="rows"/> rows. It waits, with the unit's other deferred writes,
    /// until the unit has returned having committed, and runs then, in the order asked, before the unit's writes are
    /// kept: on PostgreSQL they reach the server as one command (a request waits on the database once for all of
    /// them), on SQLite's writer one after the other. If one fails, the unit fails and nothing of it is kept. Its
    /// values are taken from <paramref name="args"/> now.
    /// </summary>
    public void Later<TArgs>(Statement<TArgs> statement, TArgs args, int rows) =>
        (_deferred ??= []).Add(new Deferred(statement.Sql, statement.Names, statement.Values(args), rows, null));

    /// <summary>
    /// <see cref="Later{TArgs}"/> for two writes: a one-row <paramref name="insert"/>, then <paramref name="then"/>,
    /// which finds the new row's id as the parameter <c>@inserted_id</c> (or as <c>inserted.id</c>, a relation of one
    /// row) and must change exactly <paramref name="rows"/> rows. A row
    /// and its lines, written as the unit's last writes.
    /// </summary>
    public void LaterInsertThen<TArgs>(Statement<TArgs> insert, Statement<TArgs> then, TArgs args, int rows)
    {
        if (_writer is not null)
        {
            var (sql, names) = then.AfterInserted;
            var first = new Deferred(insert.Sql, insert.Names, insert.Values(args), 1, null);
            (_deferred ??= []).Add(new Deferred(sql, names, then.ValuesAfter(0, args), rows, first));
            return;
        }
        Later(PostgresFusions.InsertThen(insert, then), args, rows);
    }

    /// <summary>A deferred write; <see cref="Insert"/>, when set, runs first and gives its row's id as the first value.</summary>
    private sealed record Deferred(string Sql, string[] Names, object?[] Values, int Rows, Deferred? Insert);

    /// <summary>Runs the deferred writes (see <see cref="Later{TArgs}"/>): called once the unit has returned having committed.</summary>
    internal async Task FinishAsync()
    {
        if (_deferred is not { Count: > 0 } deferred)
        {
            return;
        }
        _deferred = null;
        if (_writer is not null)
        {
            foreach (var write in deferred)
            {
                if (write.Insert is { } insert)
                {
                    write.Values[0] = _writer.Insert(insert.Sql, insert.Names, insert.Values);
                }
                Check(_writer.Execute(write.Sql, write.Names, write.Values), write.Rows, write.Sql);
            }
            return;
        }
        if (deferred.Count == 1)
        {
            var only = deferred[0];
            Check(await Connection.ExecuteAsync(only.Sql, Parameters(only.Names, only.Values), Transaction), only.Rows, only.Sql);
            return;
        }
        // One command text: each statement's parameters renamed apart (@x of the third becomes @t2_x).
        var text = new StringBuilder();
        var parameters = new DynamicParameters();
        // Sent together, the statements report one total: each one's count is known, so the total still checks them all.
        var expected = 0;
        for (var i = 0; i < deferred.Count; i++)
        {
            var write = deferred[i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"t{i}_");
            text.Append(PostgresFusions.Renamed(write.Sql, i)).Append(";\n");
            for (var v = 0; v < write.Names.Length; v++)
            {
                parameters.Add(prefix + write.Names[v], write.Values[v]);
            }
            expected += write.Rows;
        }
        var sql = text.ToString();
        Check(await Connection.ExecuteAsync(sql, parameters, Transaction), expected, sql);
    }

    /// <summary>The values as Dapper's named parameters.</summary>
    private static DynamicParameters Parameters(string[] names, object?[] values)
    {
        var parameters = new DynamicParameters();
        for (var i = 0; i < names.Length; i++)
        {
            parameters.Add(names[i], values[i]);
        }
        return parameters;
    }


    private static void Check(int changed, int rows, string sql)
    {
        if (changed != rows)
        {
            throw new InvalidOperationException($"Expected {rows} row(s) changed, got {changed}: {sql}");
        }
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
public sealed class WriteGroupFailedException(string message, Exception inner) : Exception(message + ": " + inner.Message, inner)
{
    public WriteGroupFailedException(Exception inner)
        : this("The write group this unit belonged to could not be committed", inner)
    {
    }
}
