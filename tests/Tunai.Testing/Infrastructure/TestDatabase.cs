using Dapper;
using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// The database a test gateway runs on. The whole suite runs once per provider: SQLite by default, PostgreSQL
/// when <c>TUNAI_TEST_PROVIDER=Postgres</c> and <c>TUNAI_TEST_POSTGRES</c> holds a connection string of a role
/// that may create databases (scripts/test.sh sets both). Each gateway gets its own fresh database.
/// </summary>
public abstract partial class TestDatabase : IAsyncDisposable
{
    public const string ProviderVariable = "TUNAI_TEST_PROVIDER";
    public const string PostgresVariable = "TUNAI_TEST_POSTGRES";

    public static bool UsePostgres =>
        string.Equals(Environment.GetEnvironmentVariable(ProviderVariable), "Postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>The server's connection string, or a skip (a failure under TUNAI_REQUIRE_ALL=1) saying how to get one.</summary>
    public static string PostgresServer()
    {
        var server = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            ExternalTool.Unavailable("PostgreSQL",
                $"set {PostgresVariable} to a connection string of a role with CREATEDB (scripts/test.sh starts a local server as root)");
        }
        return server!;
    }

    /// <summary>A fresh PostgreSQL database whatever the suite's provider (for tests of several instances on one database).</summary>
    public static Task<TestDatabase> CreatePostgresAsync() => PostgresDatabase.CreateNewAsync(PostgresServer());

    /// <summary>A SQLite database file in <paramref name="folder"/> whatever the suite's provider (for tools that pick the provider themselves).</summary>
    public static TestDatabase CreateSqlite(string folder) => new SqliteDatabase(Path.Combine(folder, "tunai.db"));

    public static async Task<TestDatabase> CreateAsync(string folder) =>
        UsePostgres ? await PostgresDatabase.CreateNewAsync(PostgresServer()) : new SqliteDatabase(Path.Combine(folder, "tunai.db"));

    /// <summary>The gateway settings that point it at this database, its master key included.</summary>
    public abstract IEnumerable<string> Settings { get; }

    /// <summary>
    /// The master key that seals this database's key ring: one per database, given to every gateway on it, as an
    /// operator gives one to every instance.
    /// </summary>
    protected string MasterKeySetting { get; } =
        $"Tunai:Secrets:MasterKey={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}";

    /// <summary><see cref="Settings"/> as options, for a test that opens the gateway's <see cref="Tunai.Gateway.Storage.Database"/> itself.</summary>
    public Configuration.StorageOptions Storage()
    {
        var values = Settings.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return new Configuration.StorageOptions
        {
            Provider = Enum.Parse<Configuration.StorageProvider>(values["Tunai:Storage:Provider"]),
            SqlitePath = values.GetValueOrDefault("Tunai:Storage:SqlitePath") ?? "",
            ConnectionString = values.GetValueOrDefault("Tunai:Storage:ConnectionString"),
        };
    }

    public abstract DbConnection Open(bool forReading);

    /// <summary>
    /// The database as a gateway of migration <paramref name="version"/> left it (the shipped scripts up to it, recorded
    /// as versions before checksums recorded them), for a test of the upgrade after it: an open connection to add rows.
    /// </summary>
    public async Task<DbConnection> MigratedThroughAsync(int version, CancellationToken ct)
    {
        var connection = Open(forReading: false);
        await connection.OpenAsync(ct);
        await connection.ExecuteAsync("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        var provider = UsePostgres ? Configuration.StorageProvider.Postgres : Configuration.StorageProvider.Sqlite;
        foreach (var (applied, name, sql) in global::Tunai.Gateway.Storage.Migrator.Scripts(provider).Where(s => s.Version <= version))
        {
            await connection.ExecuteAsync(sql);
            await connection.ExecuteAsync(Sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, 0)"), new { v = applied, n = name });
        }
        return connection;
    }

    /// <summary>Tests write parameters as $name (SQLite's style); PostgreSQL takes @name.</summary>
    public virtual string Sql(string sql) => sql;

    public abstract ValueTask DisposeAsync();

    /// <summary>The same database for a second gateway instance; disposing it leaves the database to its owner.</summary>
    public TestDatabase Borrow() => new BorrowedDatabase(this);

    private sealed class BorrowedDatabase(TestDatabase owner) : TestDatabase
    {
        public override IEnumerable<string> Settings => owner.Settings;

        public override DbConnection Open(bool forReading) => owner.Open(forReading);

        public override string Sql(string sql) => owner.Sql(sql);

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class SqliteDatabase(string path) : TestDatabase
    {
        public override IEnumerable<string> Settings => ["Tunai:Storage:Provider=Sqlite", $"Tunai:Storage:SqlitePath={path}", MasterKeySetting];

        public override DbConnection Open(bool forReading) =>
            new SqliteConnection($"Data Source={path};Pooling=False{(forReading ? ";Mode=ReadOnly" : "")}");

        public override ValueTask DisposeAsync()
        {
            SqliteConnection.ClearAllPools();
            return ValueTask.CompletedTask;
        }
    }

    private sealed partial class PostgresDatabase(string server, string name) : TestDatabase
    {
        private string ConnectionString => new NpgsqlConnectionStringBuilder(server) { Database = name, MaxPoolSize = 10 }.ConnectionString;

        public static async Task<TestDatabase> CreateNewAsync(string server)
        {
            var name = "tunai_test_" + Guid.NewGuid().ToString("N")[..16];
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
            return new PostgresDatabase(server, name);
        }

        public override IEnumerable<string> Settings =>
            ["Tunai:Storage:Provider=Postgres", $"Tunai:Storage:ConnectionString={new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString}",
             MasterKeySetting];

        public override DbConnection Open(bool forReading) => new NpgsqlConnection(ConnectionString);

        public override string Sql(string sql) => DollarParameter().Replace(sql, "@$1");

        public override async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
                    await drop.ExecuteNonQueryAsync();
                    return;
                }
                catch (PostgresException) when (attempt < 5)
                {
                    // A server process of another role (autovacuum) may still be attached for a moment.
                    await Task.Delay(200 * attempt);
                }
            }
        }

        [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
        private static partial Regex DollarParameter();
    }
}
