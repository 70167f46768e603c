using System.Reflection;
using Dapper;

namespace Tunai.Gateway.Storage;

/// <summary>
/// Applies the embedded, numbered SQL scripts of the configured provider that the database has not seen yet,
/// each in its own transaction, recording each in schema_migrations.
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
        else
        {
            // Several instances may start at once: one migrates, the others wait and then find nothing to do.
            // The lock belongs to this session and ends with it.
            await connection.ExecuteAsync("SELECT pg_advisory_lock(7201000)");
        }
        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        var applied = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations")).ToHashSet();

        foreach (var (version, name, sql) in Scripts(database.Provider.ToString()))
        {
            if (applied.Contains(version))
            {
                continue;
            }
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(sql, transaction: tx);
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                new { version, name, at = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx);
            await tx.CommitAsync(ct);
            logger.LogInformation("Applied migration {Version} {Name}", version, name);
        }
    }

    /// <summary>The newest migration this build carries for the provider: a database below it is not ready.</summary>
    public static long LatestVersion(Configuration.StorageProvider provider) => Scripts(provider.ToString()).Max(s => s.Version);

    private static IEnumerable<(long Version, string Name, string Sql)> Scripts(string provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"migrations/{provider}/";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[prefix.Length..^4];
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                var sql = reader.ReadToEnd();
                var version = long.Parse(name.Split('_')[0], System.Globalization.CultureInfo.InvariantCulture);
                return (version, name, sql);
            })
            .OrderBy(s => s.Item1);
    }
}
