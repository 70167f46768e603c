using System.Data;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tunai.Gateway.Storage;

/// <summary>
/// The SQLite writer's connection: it keeps each SQL text compiled for as long as it is open. Microsoft.Data.Sqlite
/// compiles a command's SQL afresh for every new command (dotnet/efcore#14044) and Dapper makes a new command per
/// call, so on the writer, where every statement of every unit runs one after the other, compiling cost more than
/// running: inserting a payment code took about 55 µs fresh and 23 µs with its statement kept. Commands made by
/// this connection carry their text and parameters and, when run, bind them to the one kept statement for that text.
/// </summary>
internal sealed partial class StatementCachingConnection(string connectionString) : SqliteConnection(connectionString)
{
    /// <summary>The writer runs a few dozen distinct statements; the bound only guards against unbounded texts.</summary>
    private const int MaxStatements = 256;

    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);

    /// <summary>
    /// Set on the writer's connection: each bound statement's run (binding, stepping, resetting) is timed into it, by
    /// the statement's verb and table (<see cref="StatementLabel"/>), while a reader listens. It says where a unit's
    /// microseconds go; what a unit holds the writer beyond its statements is the managed work around them.
    /// </summary>
    internal StatementTiming? Timing { get; set; }

    protected override DbCommand CreateDbCommand() => new Command(this);

    private SqliteCommand Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            if (_statements.Count >= MaxStatements)
            {
                ForgetStatements();
            }
            statement = new SqliteCommand(sql, this);
            _statements.Add(sql, statement);
        }
        return statement;
    }

    private void ForgetStatements()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }
        _statements.Clear();
        foreach (var bound in _bound.Values)
        {
            bound.Dispose();
        }
        _bound.Clear();
    }

    private readonly Dictionary<string, BoundStatements> _bound = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="sql"/> (one or more statements) in the open transaction, the value at <c>i</c> bound to
    /// every <c>@names[i]</c> it holds, and returns the rows its statements changed. For the writer's hottest writes:
    /// the statements are compiled once, each parameter's place found once, and a value is bound straight to it.
    /// Through Dapper and a command, the same write built a parameter bag, a <see cref="SqliteParameter"/> per value
    /// (a list grown as it went), and looked each name up in SQLite on every run: under payment load that managed
    /// work was more of the ledger's time than SQLite inserting its rows (dotnet-trace). Values are
    /// <see cref="long"/>, <see cref="int"/>, <see cref="bool"/> (as 1 or 0), <see cref="string"/>, a <see cref="byte"/> array (a blob) or null.
    /// </summary>
    internal int Execute(string sql, string[] names, ReadOnlySpan<object?> values) => Bound(sql, names, values).Run(Handle!, values, Timing);

    /// <summary>
    /// Runs a one-row INSERT as <see cref="Execute"/> does and returns the row's id (its rowid): what
    /// <c>RETURNING id</c> gives, without a row to read back.
    /// </summary>
    internal long Insert(string sql, string[] names, ReadOnlySpan<object?> values) =>
        TryInsert(sql, names, values) ?? throw new InvalidOperationException($"Expected one row inserted, not 0: {sql}");

    /// <summary>The rowid of the row the last INSERT on this connection inserted.</summary>
    internal long LastRowId => raw.sqlite3_last_insert_rowid(Handle!);

    /// <summary>
    /// <see cref="Insert"/> for an insert that may insert nothing (<c>ON CONFLICT DO NOTHING</c>): the row's id, or
    /// null when no row was inserted.
    /// </summary>
    internal long? TryInsert(string sql, string[] names, ReadOnlySpan<object?> values)
    {
        var inserted = Execute(sql, names, values);
        return inserted switch
        {
            0 => null,
            1 => raw.sqlite3_last_insert_rowid(Handle!),
            _ => throw new InvalidOperationException($"Expected at most one row inserted, not {inserted}: {sql}"),
        };
    }

    /// <summary>
    /// The first row of a one-statement query, bound like <see cref="Execute"/>: each column as a <see cref="long"/>,
    /// <see cref="double"/>, <see cref="string"/>, a <see cref="byte"/> array or null; null when no row matched. For small reads on the writer's
    /// hot path, where Dapper asks the reader for every column's name and type on every read to find its mapper.
    /// </summary>
    internal object?[]? ReadRow(string sql, string[] names, ReadOnlySpan<object?> values) => Bound(sql, names, values).ReadRow(Handle!, values, Timing);

    /// <summary><see cref="ReadRow"/> with the row's values found by column name (see <see cref="Row"/>).</summary>
    internal Row? Read(string sql, string[] names, ReadOnlySpan<object?> values)
    {
        var statements = Bound(sql, names, values);
        return statements.ReadRow(Handle!, values, Timing) is { } row ? new Row(statements.Columns, row) : null;
    }

    private BoundStatements Bound(string sql, string[] names, ReadOnlySpan<object?> values)
    {
        if (names.Length != values.Length)
        {
            throw new ArgumentException($"{names.Length} names for {values.Length} values", nameof(values));
        }
        if (!_bound.TryGetValue(sql, out var statements) || !statements.Names(names))
        {
            if (_bound.Count >= MaxStatements)
            {
                ForgetStatements();
            }
            var compiled = BoundStatements.Compile(Handle!, sql, names);
            statements?.Dispose();
            _bound[sql] = statements = compiled;
        }
        return statements;
    }

    /// <summary>The compiled statements of one SQL text, each with the place in the caller's values of each of its parameters.</summary>
    private sealed class BoundStatements : IDisposable
    {
        private readonly List<(sqlite3_stmt Statement, int[] ValueOf, string Label)> _statements = [];

        private readonly string[] _names;

        /// <summary>The columns of the (one) statement's rows, named as SQLite names them; empty for a statement with none.</summary>
        public string[] Columns { get; private set; } = [];

        private BoundStatements(string[] names) => _names = names;

        /// <summary>True when the values come in the order these statements were compiled for.</summary>
        public bool Names(string[] names) => names.AsSpan().SequenceEqual(_names);

        public static BoundStatements Compile(sqlite3 db, string sql, string[] names)
        {
            var compiled = new BoundStatements([.. names]);
            try
            {
                var rest = sql;
                while (!string.IsNullOrWhiteSpace(rest))
                {
                    var rc = raw.sqlite3_prepare_v2(db, rest, out var statement, out rest);
                    SqliteException.ThrowExceptionForRC(rc, db);
                    if (statement.IsInvalid)
                    {
                        // Only a comment or whitespace was left.
                        statement.Dispose();
                        continue;
                    }
                    var valueOf = new int[raw.sqlite3_bind_parameter_count(statement)];
                    compiled._statements.Add((statement, valueOf, StatementLabel(raw.sqlite3_sql(statement).utf8_to_string())));
                    if (compiled._statements.Count == 1)
                    {
                        compiled.Columns = [.. Enumerable.Range(0, raw.sqlite3_column_count(statement))
                            .Select(c => string.Intern(raw.sqlite3_column_name(statement, c).utf8_to_string()))];
                    }
                    for (var i = 0; i < valueOf.Length; i++)
                    {
                        var name = raw.sqlite3_bind_parameter_name(statement, i + 1).utf8_to_string();
                        valueOf[i] = Array.IndexOf(names, name?.TrimStart('@'));
                        if (valueOf[i] < 0)
                        {
                            throw new ArgumentException($"No value is named for the SQL's parameter {name}", nameof(names));
                        }
                    }
                }
                return compiled;
            }
            catch
            {
                compiled.Dispose();
                throw;
            }
        }

        private static void Bind(sqlite3 db, sqlite3_stmt statement, int[] valueOf, ReadOnlySpan<object?> values)
        {
            for (var i = 0; i < valueOf.Length; i++)
            {
                var rc = values[valueOf[i]] switch
                {
                    null => raw.sqlite3_bind_null(statement, i + 1),
                    long l => raw.sqlite3_bind_int64(statement, i + 1, l),
                    int n => raw.sqlite3_bind_int64(statement, i + 1, n),
                    bool b => raw.sqlite3_bind_int64(statement, i + 1, b ? 1 : 0),
                    string text => raw.sqlite3_bind_text(statement, i + 1, text),
                    byte[] blob => raw.sqlite3_bind_blob(statement, i + 1, blob),
                    var other => throw new NotSupportedException($"Cannot bind a {other.GetType().Name} here"),
                };
                SqliteException.ThrowExceptionForRC(rc, db);
            }
        }

        public object?[]? ReadRow(sqlite3 db, ReadOnlySpan<object?> values, StatementTiming? timing)
        {
            if (_statements.Count != 1)
            {
                throw new InvalidOperationException($"A row is read from one statement, not {_statements.Count}");
            }
            var (statement, valueOf, label) = _statements[0];
            var started = timing is null ? 0 : Stopwatch.GetTimestamp();
            try
            {
                Bind(db, statement, valueOf, values);
                var stepped = raw.sqlite3_step(statement);
                if (stepped == raw.SQLITE_DONE)
                {
                    return null;
                }
                if (stepped != raw.SQLITE_ROW)
                {
                    SqliteException.ThrowExceptionForRC(stepped, db);
                }
                var row = new object?[raw.sqlite3_column_count(statement)];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = raw.sqlite3_column_type(statement, i) switch
                    {
                        raw.SQLITE_NULL => null,
                        raw.SQLITE_INTEGER => raw.sqlite3_column_int64(statement, i),
                        raw.SQLITE_FLOAT => raw.sqlite3_column_double(statement, i),
                        raw.SQLITE_BLOB => raw.sqlite3_column_blob(statement, i).ToArray(),
                        _ => raw.sqlite3_column_text(statement, i).utf8_to_string(),
                    };
                }
                return row;
            }
            finally
            {
                raw.sqlite3_reset(statement);
                raw.sqlite3_clear_bindings(statement);
                timing?.Record(label, started);
            }
        }

        public int Run(sqlite3 db, ReadOnlySpan<object?> values, StatementTiming? timing)
        {
            var changed = 0;
            foreach (var (statement, valueOf, label) in _statements)
            {
                var started = timing is null ? 0 : Stopwatch.GetTimestamp();
                try
                {
                    Bind(db, statement, valueOf, values);
                    int stepped;
                    while ((stepped = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
                    {
                        // A write returns no rows; any it does are not read.
                    }
                    if (stepped != raw.SQLITE_DONE)
                    {
                        SqliteException.ThrowExceptionForRC(stepped, db);
                    }
                    changed += raw.sqlite3_changes(db);
                }
                finally
                {
                    raw.sqlite3_reset(statement);
                    raw.sqlite3_clear_bindings(statement);
                    timing?.Record(label, started);
                }
            }
            return changed;
        }

        public void Dispose()
        {
            foreach (var (statement, _, _) in _statements)
            {
                statement.Dispose();
            }
            _statements.Clear();
        }
    }

    /// <summary>
    /// A statement as its timing names it: its verb and the table it writes or reads first ("INSERT payments",
    /// "UPDATE payment_codes", "SELECT request_keys", "SAVEPOINT"), a handful of names however many texts there are.
    /// </summary>
    internal static string StatementLabel(string sql)
    {
        // A write names its table even behind a WITH or a SELECT that feeds it ("INSERT INTO ... SELECT ... FROM").
        var verb = WritePattern().Match(sql);
        if (!verb.Success)
        {
            verb = OtherPattern().Match(sql);
            if (!verb.Success)
            {
                return "other";
            }
        }
        var word = verb.Groups[1].Value.ToUpperInvariant();
        if (word is "SAVEPOINT" or "RELEASE" or "ROLLBACK" or "PRAGMA")
        {
            return word;
        }
        var table = TablePattern().Match(sql, verb.Index);
        return table.Success ? $"{word} {table.Groups[1].Value.ToLowerInvariant()}" : word;
    }

    [GeneratedRegex(@"\b(INSERT|UPDATE|DELETE)\b", RegexOptions.IgnoreCase)]
    private static partial Regex WritePattern();

    [GeneratedRegex(@"\b(SELECT|SAVEPOINT|RELEASE|ROLLBACK|PRAGMA)\b", RegexOptions.IgnoreCase)]
    private static partial Regex OtherPattern();

    [GeneratedRegex(@"\b(?:INTO|UPDATE|FROM)\s+([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.IgnoreCase)]
    private static partial Regex TablePattern();

    /// <summary>Kept statements belong to the open connection: closing it forgets them (Microsoft.Data.Sqlite does the same with its own).</summary>
    public override void Close()
    {
        ForgetStatements();
        base.Close();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ForgetStatements();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// What Dapper fills in (text, transaction, parameters); run, it lends them to the kept statement for its text.
    /// A statement is used by one command at a time: the writer runs one statement at a time and reads each result
    /// to its end before the next.
    /// </summary>
    [SuppressMessage("Security", "CA2100", Justification = "The text is the caller's SQL; values travel as parameters.")]
    private sealed class Command(StatementCachingConnection connection) : DbCommand
    {
        private readonly ParameterList _parameters = new();
        private SqliteCommand? _running;

        [AllowNull]
        public override string CommandText { get; set; } = "";

        public override int CommandTimeout { get; set; } = 30;

        public override CommandType CommandType
        {
            get => CommandType.Text;
            set
            {
                if (value != CommandType.Text)
                {
                    throw new NotSupportedException("SQLite runs text commands only");
                }
            }
        }

        public override bool DesignTimeVisible { get; set; }

        public override UpdateRowSource UpdatedRowSource { get; set; }

        protected override DbConnection? DbConnection
        {
            get => connection;
            set
            {
                if (value != connection)
                {
                    throw new NotSupportedException("A command of the writer's connection stays on it");
                }
            }
        }

        protected override DbParameterCollection DbParameterCollection => _parameters;

        protected override DbTransaction? DbTransaction { get; set; }

        public override void Cancel() => _running?.Cancel();

        public override void Prepare()
        {
            // Every statement is kept compiled already.
        }

        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        private SqliteCommand Bind()
        {
            var statement = connection.Statement(CommandText);
            statement.Transaction = (SqliteTransaction?)Transaction;
            statement.CommandTimeout = CommandTimeout;
            statement.Parameters.Clear();
            foreach (SqliteParameter parameter in _parameters)
            {
                parameter.ParameterName = Prefixed(parameter.ParameterName);
                statement.Parameters.Add(parameter);
            }
            return _running = statement;
        }

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Bind().ExecuteReader(behavior);

        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
            await Bind().ExecuteReaderAsync(behavior, cancellationToken);

        public override int ExecuteNonQuery() => Bind().ExecuteNonQuery();

        public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Bind().ExecuteNonQueryAsync(cancellationToken);

        public override object? ExecuteScalar() => Bind().ExecuteScalar();

        public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Bind().ExecuteScalarAsync(cancellationToken);

        private sealed class ParameterList : SqliteParameterCollection;

        /// <summary>
        /// The name as the SQL spells it. Dapper names parameters without the '@', and Microsoft.Data.Sqlite then looks
        /// a bare name up four times (as given, then with each of '@', '$' and ':', each a UTF-8 conversion and a call
        /// into SQLite, to refuse an ambiguous one): under load that was a seventh of the writer's time. The gateway's
        /// SQL names every parameter with '@', so the name is given with it and found at the first lookup.
        /// </summary>
        private static string Prefixed(string name) =>
            name.Length > 0 && name[0] is '@' or '$' or ':' ? name : PrefixedNames.GetOrAdd(name, static n => "@" + n);

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> PrefixedNames = new(StringComparer.Ordinal);
    }
}

/// <summary>Where the writer's statements record their time (see <see cref="StatementCachingConnection.Timing"/>).</summary>
internal sealed class StatementTiming(Histogram<double> histogram, KeyValuePair<string, object?> database)
{
    public void Record(string label, long started)
    {
        if (histogram.Enabled)
        {
            histogram.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, database, new("tunai.statement", label));
        }
    }
}
