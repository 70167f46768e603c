using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the test's own, so that it can be stopped, crashed and started again without touching the
/// server other tests share: a cluster made by Debian's PostgreSQL 15 (<c>initdb</c>) in a temp folder, run as the
/// <c>postgres</c> user (through <c>runuser</c>, so the tests run as root) on a free loopback port, with trust login.
/// A test without those is skipped (a failure under TUNAI_REQUIRE_ALL=1). Stopped and removed on dispose.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";

    private readonly string _folder;
    private readonly int _port;

    private PrivatePostgres(string folder, int port)
    {
        _folder = folder;
        _port = port;
    }

    private string Data => Path.Combine(_folder, "data");

    /// <summary>A connection string to <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database}";

    public static async Task<PrivatePostgres> StartAsync(CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(Bin, "initdb")))
        {
            ExternalTool.Unavailable("PostgreSQL 15's server programs", $"install them with: apt-get install -y postgresql-15 (expected in {Bin})");
        }
        if (Environment.UserName != "root" || ExternalTool.Locate("runuser") is null)
        {
            ExternalTool.Unavailable("root (to run a private PostgreSQL server as the postgres user)",
                "run the test as root, as scripts/test.sh does in CI");
        }
        var folder = Path.Combine(Path.GetTempPath(), "tunai-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        await Commands.RunAsync(["chown", "postgres:postgres", folder], ct);
        var server = new PrivatePostgres(folder, FreePort());
        // fsync off: a crash here is the server process's (pg_ctl -m immediate), never the machine's, and what the
        // server wrote survives a process crash without it.
        await AsPostgresAsync(["initdb", "-D", server.Data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], ct);
        await server.StartServerAsync(ct);
        return server;
    }

    /// <summary>Creates an empty database on the server.</summary>
    public async Task CreateDatabaseAsync(string name, CancellationToken ct)
    {
        await using var admin = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await admin.OpenAsync(ct);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
        await create.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Starts the server (again) and returns once it accepts connections.</summary>
    public Task StartServerAsync(CancellationToken ct) => AsPostgresAsync(["pg_ctl", "-D", Data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60",
        "-o", $"-p {_port.ToString(CultureInfo.InvariantCulture)} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_folder} -c fsync=off", "start"], ct);

    /// <summary>
    /// Stops the server: <c>fast</c> ends every session and shuts down cleanly (an operator stopping it),
    /// <c>immediate</c> kills it without a shutdown (a crash, or the old primary of a failover).
    /// </summary>
    public Task StopServerAsync(string mode, CancellationToken ct) => AsPostgresAsync(["pg_ctl", "-D", Data, "-m", mode, "-w", "-t", "60", "stop"], ct);

    private static Task AsPostgresAsync(string[] command, CancellationToken ct) =>
        Commands.RunAsync(["runuser", "-u", "postgres", "--", Path.Combine(Bin, command[0]), .. command[1..]], ct);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServerAsync("immediate", CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // already stopped by the test
        }
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // best effort: the folder is under the temp directory
        }
    }
}
