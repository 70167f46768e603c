using System.Reflection;

namespace Tunai.Gateway.Storage;

/// <summary>
/// Applies the embedded, numbered SQL scripts of the configured provider that the database has not seen yet (its
/// own folder's and those of <c>Migrations/Both</c>, one text that serves both providers), each in its own
/// transaction, recording each in schema_migrations with the SHA-256 of its text. A script
/// changed after it was applied stops the start (<see cref="MigrationChangedException"/>): the database was
/// built by another text than the one shipped, and running on would hide that. Callers hold the startup lock,
/// so instances starting together migrate one at a time.
/// </summary>
public sealed class Migrator(Database database, TimeProvider time, ILogger<Migrator> logger)
{
    public async Task MigrateAsync(CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        if (database.IsSqlite)
        {
            // Persistent for the file: write-ahead log, so readers never block the writer.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
        }
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL, checksum TEXT)");
        await AddChecksumColumnAsync(connection);
        var applied = (await connection.QueryAsync<(long Version, string Name, string? Checksum)>(
            "SELECT version, name, checksum FROM schema_migrations")).ToDictionary(a => a.Version);

        foreach (var (version, name, sql) in Scripts(database.Provider))
        {
            var checksum = Checksum(sql);
            if (applied.TryGetValue(version, out var done))
            {
                if (done.Checksum is null)
                {
                    // Applied before checksums were kept: recorded as shipped now, checked from then on.
                    await connection.ExecuteAsync("UPDATE schema_migrations SET checksum = @checksum WHERE version = @version AND checksum IS NULL",
                        new { checksum, version });
                }
                else if (!string.Equals(done.Checksum, checksum, StringComparison.Ordinal))
                {
                    throw new MigrationChangedException(version, done.Name, done.Checksum, checksum);
                }
                continue;
            }
            // A SQLite script that makes a table anew (SQLite cannot drop a constraint) runs with foreign keys off, or
            // dropping the old table would fail every key that names it; they can be turned off only outside a
            // transaction, and every key is checked before the script commits.
            var keysOff = database.IsSqlite && sql.StartsWith(WithoutForeignKeys, StringComparison.Ordinal);
            if (keysOff)
            {
                await connection.ExecuteAsync("PRAGMA foreign_keys=OFF;");
            }
            try
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                // No statement timeout: a migration building an index over a large table may take minutes, and stopping
                // it half-way helps nobody.
                await connection.ExecuteAsync(sql, transaction: tx, commandTimeout: 0);
                if (keysOff && (await connection.QueryAsync("PRAGMA foreign_key_check", transaction: tx)).Any())
                {
                    throw new InvalidOperationException($"migration {version} ({name}) would break foreign keys; nothing of it was applied");
                }
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (@version, @name, @at, @checksum)",
                    new { version, name, at = time.GetUtcNow().ToUnixTimeMilliseconds(), checksum }, tx);
                await tx.CommitAsync(ct);
            }
            finally
            {
                if (keysOff)
                {
                    await connection.ExecuteAsync("PRAGMA foreign_keys=ON;");
                }
            }
            logger.LogInformation("Applied migration {Version} {Name}", version, name);
        }
    }

    /// <summary>The first line of a SQLite script that must run with foreign keys off (see <see cref="MigrateAsync"/>).</summary>
    private const string WithoutForeignKeys = "-- tunai: foreign keys off";

    /// <summary>The newest migration this build carries for the provider: a database below it is not ready.</summary>
    public static long LatestVersion(Configuration.StorageProvider provider) => Scripts(provider).Max(s => s.Version);

    /// <summary>Databases migrated before checksums existed have the table without the column.</summary>
    private async Task AddChecksumColumnAsync(System.Data.Common.DbConnection connection)
    {
        var has = database.IsSqlite
            ? await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'")
            : await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'schema_migrations' AND column_name = 'checksum'");
        if (has == 0)
        {
            await connection.ExecuteAsync("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT");
        }
    }

    /// <summary>SHA-256 of the script with line endings made \n, so a checkout on another platform is not a change.</summary>
    public static string Checksum(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    /// <summary>
    /// The provider's scripts in order of version: those of its folder (<c>Migrations/Sqlite</c>,
    /// <c>Migrations/Postgres</c>) and those of <c>Migrations/Both</c>, whose text is the same for both. A script is
    /// recorded by its file name without folder, so moving a script whose text both had into Both changes neither its
    /// name nor its checksum. A version in two folders is a mistake of the build, refused.
    /// </summary>
    public static IReadOnlyList<(long Version, string Name, string Sql)> Scripts(Configuration.StorageProvider provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        string[] folders = [$"migrations/{provider}/", "migrations/Both/"];
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Resource: n, Folder: folders.FirstOrDefault(f => n.StartsWith(f, StringComparison.Ordinal))))
            .Where(r => r.Folder is not null)
            .Select(r =>
            {
                var name = r.Resource[r.Folder!.Length..^4];
                using var stream = assembly.GetManifestResourceStream(r.Resource)!;
                using var reader = new StreamReader(stream);
                var sql = reader.ReadToEnd();
                var version = long.Parse(name.Split('_')[0], System.Globalization.CultureInfo.InvariantCulture);
                return (Version: version, Name: name, Sql: sql);
            })
            .OrderBy(s => s.Version)
            .ToList();
        if (scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"migration {twice.Key} is shipped twice for {provider}: {string.Join(", ", twice.Select(s => s.Name))}");
        }
        return scripts;
    }
}

/// <summary>An applied migration's script is not the one this build ships.</summary>
public sealed class MigrationChangedException(long version, string name, string appliedChecksum, string shippedChecksum)
    : Exception($"migration {version} ({name}) was changed after it was applied to this database " +
        $"(applied checksum {appliedChecksum[..12]}, this build's {shippedChecksum[..12]}); " +
        "run the build that applied it, or restore the migration's original text")
{
    public long Version { get; } = version;
}
