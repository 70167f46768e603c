using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Tunai.Gateway.Storage;

/// <summary>
/// The SQLite writer's connection: it keeps each SQL text compiled for as long as it is open. Microsoft.Data.Sqlite
/// compiles a command's SQL afresh for every new command (dotnet/efcore#14044) and Dapper makes a new command per
/// call, so on the writer, where every statement of every unit runs one after the other, compiling cost more than
/// running: inserting a payment code took about 55 µs fresh and 23 µs with its statement kept. Commands made by
/// this connection carry their text and parameters and, when run, bind them to the one kept statement for that text.
/// </summary>
internal sealed class StatementCachingConnection(string connectionString) : SqliteConnection(connectionString)
{
    /// <summary>The writer runs a few dozen distinct statements; the bound only guards against unbounded texts.</summary>
    private const int MaxStatements = 256;

    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);

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
