namespace Tunai.Gateway.Storage;

/// <summary>
/// Held while an instance migrates and seeds, so instances starting at the same moment on one database take turns:
/// the first does the work, the others find it done. On PostgreSQL a session advisory lock on a connection kept for
/// the purpose and released explicitly (a pooled connection's session outlives the caller's use of it, so a lock
/// left to "end with the session" would stay held by the pool); on SQLite an exclusive lock on a file beside the
/// database, which the operating system releases if the process dies.
/// </summary>
public sealed class StartupLock : IAsyncDisposable
{
    private const long AdvisoryKey = 7201000;
    private readonly System.Data.Common.DbConnection? _connection;
    private readonly FileStream? _file;

    private StartupLock(System.Data.Common.DbConnection? connection, FileStream? file) => (_connection, _file) = (connection, file);

    public static async Task<StartupLock> AcquireAsync(Database database, TunaiOptions options, CancellationToken ct = default)
    {
        if (!database.IsSqlite)
        {
            var connection = await database.OpenAsync(ct);
            try
            {
                await connection.ExecuteAsync("SELECT pg_advisory_lock(@AdvisoryKey)", new { AdvisoryKey });
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
            return new StartupLock(connection, null);
        }
        var path = Path.GetFullPath(options.Storage.SqlitePath) + ".startup-lock";
        var fileOptions = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        while (true)
        {
            try
            {
                return new StartupLock(null, new FileStream(path, fileOptions));
            }
            catch (IOException)
            {
                // Another process starting on the same file holds it: its start takes a moment.
                await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, ct);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            try
            {
                await _connection.ExecuteAsync("SELECT pg_advisory_unlock(@AdvisoryKey)", new { AdvisoryKey });
            }
            finally
            {
                await _connection.DisposeAsync();
            }
        }
        if (_file is not null)
        {
            await _file.DisposeAsync();
        }
    }
}
