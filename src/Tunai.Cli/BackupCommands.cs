using System.CommandLine;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Tunai.Cli;

/// <summary>
/// <c>tunai backup</c> and <c>tunai restore</c>: a consistent copy of a gateway's SQLite database, taken while the
/// gateway runs, and putting one back while it is stopped. Both go through SQLite's online backup API, never a
/// file copy: a copied file of a live WAL database can miss the transactions still in its -wal file, or catch
/// one half written.
/// </summary>
internal static class BackupCommands
{
    private const string DefaultDatabase = "data/tunai.db";

    public static IEnumerable<Command> Create(CliConsole console)
    {
        var database = new Option<string>("--database")
        {
            Description = $"The gateway's SQLite file (Tunai:Storage:SqlitePath) [default: {DefaultDatabase}]",
        };
        var to = new Option<string>("--to") { Description = "The backup file to write (must not exist)", Required = true };
        var backup = new Command("backup", "Copy a live gateway's SQLite database to a file, consistently, while it runs")
        {
            database, to,
        };
        backup.SetAction(async (parsed, ct) => await BackupAsync(console,
            Resolve(console, parsed.GetValue(database) ?? DefaultDatabase), Resolve(console, parsed.GetValue(to)!), ct));

        var from = new Option<string>("--from") { Description = "The backup file to put back", Required = true };
        var restoreDatabase = new Option<string>("--database")
        {
            Description = $"The gateway's SQLite file to replace (Tunai:Storage:SqlitePath) [default: {DefaultDatabase}]",
        };
        var restore = new Command("restore", "Check a backup and put it in place of the gateway's database; the gateway must be stopped")
        {
            from, restoreDatabase,
        };
        restore.SetAction(async (parsed, ct) => await RestoreAsync(console,
            Resolve(console, parsed.GetValue(from)!), Resolve(console, parsed.GetValue(restoreDatabase) ?? DefaultDatabase), ct));
        return [backup, restore];
    }

    private static string Resolve(CliConsole console, string path) => Path.GetFullPath(path, console.Folder);

    private static async Task<int> BackupAsync(CliConsole console, string source, string target, CancellationToken ct)
    {
        if (!File.Exists(source))
        {
            throw new CliError($"no database at {source} (give --database)");
        }
        if (File.Exists(target))
        {
            throw new CliError($"{target} exists; a backup never overwrites a file");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Written beside the target and renamed into place: a file at the target's name is always a whole backup.
        var partial = $"{target}.{Guid.NewGuid():N}.partial";
        try
        {
            // Customers' data and sealed secrets, like the database itself: the owner's alone, from its first byte.
            Tunai.Gateway.Secrets.OwnerOnly.CreateFile(partial);
            await using (var from = await OpenAsync(source, SqliteOpenMode.ReadWrite, ct))
            await using (var into = await OpenAsync(partial, SqliteOpenMode.ReadWriteCreate, ct))
            {
                // One step: the copy is the database as of one read transaction. In WAL mode the gateway keeps
                // writing meanwhile; its later commits are simply not in this copy.
                from.BackupDatabase(into);
                // A single self-contained file, whatever the source's journal mode.
                await ExecuteAsync(into, "PRAGMA journal_mode=DELETE", ct);
            }
            var summary = await CheckAsync(partial, ct);
            File.Move(partial, target);
            await console.Out.WriteLineAsync($"backup: {target} ({summary})");
            return Cli.Success;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(partial);
        }
    }

    private static async Task<int> RestoreAsync(CliConsole console, string backup, string target, CancellationToken ct)
    {
        if (!File.Exists(backup))
        {
            throw new CliError($"no backup at {backup}");
        }
        var summary = await CheckAsync(backup, ct);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            await using var into = await OpenAsync(target, SqliteOpenMode.ReadWriteCreate, ct);
            // Leaving WAL mode needs the only connection to the file: a running gateway always holds one (its
            // writer), so this is what tells a stopped gateway from a running one, on this machine or another
            // sharing the folder. Nothing has been changed yet when it refuses.
            var mode = await ScalarAsync(into, "PRAGMA journal_mode=DELETE", ct);
            if (!string.Equals(mode, "delete", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliError($"{target} is in use: stop the gateway before restoring (journal mode stayed {mode})");
            }
            if (File.Exists(target) && new FileInfo(target).Length > 0)
            {
                // The database being replaced is kept beside it, so a restore of the wrong file can be undone.
                var kept = $"{target}.before-restore-{console.Time.GetUtcNow():yyyyMMddTHHmmssZ}";
                await using (var keep = await OpenAsync(kept, SqliteOpenMode.ReadWriteCreate, ct))
                {
                    into.BackupDatabase(keep);
                }
                await console.Out.WriteLineAsync($"restore: the database it replaces is kept as {kept}");
            }
            await using (var from = await OpenAsync(backup, SqliteOpenMode.ReadOnly, ct))
            {
                from.BackupDatabase(into);
            }
            // The gateway's own mode; it sets it again at start, but a file that is put back should look like one it wrote.
            await ExecuteAsync(into, "PRAGMA journal_mode=WAL", ct);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            throw new CliError($"{target} is in use: stop the gateway before restoring");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
        await console.Out.WriteLineAsync($"restore: {backup} is now {target} ({summary}); start the gateway, it applies newer migrations itself");
        return Cli.Success;
    }

    /// <summary>Refuses a file that is not a whole, intact gateway database; describes one that is.</summary>
    private static async Task<string> CheckAsync(string path, CancellationToken ct)
    {
        try
        {
            await using var connection = await OpenAsync(path, SqliteOpenMode.ReadOnly, ct);
            var integrity = await ScalarAsync(connection, "PRAGMA integrity_check", ct);
            if (integrity != "ok")
            {
                throw new CliError($"{path} fails SQLite's integrity check: {integrity}");
            }
            var version = await ScalarAsync(connection, "SELECT MAX(version) FROM schema_migrations", ct);
            var payments = await ScalarAsync(connection, "SELECT COUNT(*) FROM payments", ct);
            var codes = await ScalarAsync(connection, "SELECT COUNT(*) FROM payment_codes", ct);
            return $"schema {version}, {codes} payment codes, {payments} payments";
        }
        catch (SqliteException e)
        {
            throw new CliError($"{path} is not a Tunai database: {e.Message}");
        }
    }

    private static async Task<SqliteConnection> OpenAsync(string path, SqliteOpenMode mode, CancellationToken ct)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            // Waits out the gateway's write groups rather than failing on the first busy moment.
            DefaultTimeout = 30,
        }.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken ct) =>
        await ScalarAsync(connection, sql, ct);

    private static async Task<string?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }
}
