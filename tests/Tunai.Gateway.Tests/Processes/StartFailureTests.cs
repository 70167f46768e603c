using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// Every start that cannot succeed ends with one line on stderr that names what to fix, exit code 1 and no stack
/// trace, never an unhandled exception (exit 134): the real process, one start per case.
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class StartFailureTests
{
    private const string AdminToken = "Zq3-Lw8_Rt2vNb7xKp4mYc9hGd5sFj6a";

    /// <summary>Starts the gateway in <paramref name="folder"/>, waits for it to give up, and returns its one line.</summary>
    private static async Task<string> RefusalAsync(string folder, params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        using var gateway = GatewayProcess.Start(folder, args);
        var exitCode = await gateway.WaitForExitAsync(ct);
        Assert.True(exitCode == 1, $"exit code {exitCode}\n{gateway.Output()}");
        var lines = gateway.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr\n{gateway.Output()}");
        Assert.StartsWith("tunai: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", gateway.Output(), StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", gateway.Output(), StringComparison.Ordinal);
        return lines[0];
    }

    private static string[] Production(params string[] more) =>
        ["--Tunai:Mode=Production", $"--Tunai:AdminToken={AdminToken}", "--Tunai:PublicBaseUrl=https://pay.example.com", .. more];

    [Fact]
    public async Task ProductionWithoutAMasterKeyNamesTheSetting()
    {
        using var folder = new TempFolder();

        var line = await RefusalAsync(folder.Path, Production());

        Assert.StartsWith("tunai: configuration error: Tunai:Secrets:MasterKey (or Tunai:Secrets:MasterKeyFile) is required in Production", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.Path, "data", "master.key")), "Production generated a master key");
    }

    /// <summary>
    /// A refused configuration writes nothing: no data folder, no SQLite file, no sandbox files, whichever setting refused
    /// it (a master key was checked only after the database had made its folder and file).
    /// </summary>
    [Theory]
    [InlineData("production-without-master-key")]
    [InlineData("master-key-too-short")]
    [InlineData("master-key-file-missing")]
    [InlineData("bad-retry-schedule")]
    [InlineData("sandbox-bad-code-length")]
    public async Task AStartRefusedByConfigurationCreatesNoFolders(string refusal)
    {
        using var folder = new TempFolder();
        string[] args = refusal switch
        {
            "production-without-master-key" => Production(),
            "master-key-too-short" => Production($"--Tunai:Secrets:MasterKey={Convert.ToBase64String(new byte[16])}"),
            "master-key-file-missing" => Production($"--Tunai:Secrets:MasterKeyFile={Path.Combine(folder.Path, "nowhere", "master.key")}"),
            "bad-retry-schedule" => Production($"--Tunai:Secrets:MasterKey={GatewayProcess.MasterKey}", "--Tunai:Notifications:RetrySchedule=soon"),
            _ => ["--Tunai:PrintSandboxCredentials=false", "--Tunai:PaymentCodes:GeneratedLength=99"],
        };

        var line = await RefusalAsync(folder.Path, args);

        Assert.StartsWith("tunai: configuration error: ", line, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public async Task AMasterKeyThatIsNotThirtyTwoBytesNamesTheSetting()
    {
        using var folder = new TempFolder();

        var line = await RefusalAsync(folder.Path, Production($"--Tunai:Secrets:MasterKey={Convert.ToBase64String(new byte[16])}"));

        Assert.Equal("tunai: configuration error: Tunai:Secrets:MasterKey is 16 bytes; it must be 32 random bytes in base64 (openssl rand -base64 32)", line);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TheSandboxGeneratesItsMasterKeyAndAnotherMasterKeyIsRefusedByName()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var keyFile = Path.Combine(folder.Path, "data", "master.key");
        using (var sandbox = GatewayProcess.Start(folder.Path, "--Tunai:PrintSandboxCredentials=false"))
        {
            await sandbox.WaitUntilReadyAsync(ct);
            Assert.Contains($"Generated the sandbox's master key in {keyFile}", sandbox.StandardOutput, StringComparison.Ordinal);
            // Data Protection warned that keys were stored unencrypted while no encryptor was configured: now they never are.
            Assert.DoesNotContain("No XML encryptor configured", sandbox.Output(), StringComparison.Ordinal);
            Assert.DoesNotContain("unencrypted", sandbox.Output(), StringComparison.Ordinal);
            sandbox.Terminate();
            await sandbox.WaitForExitAsync(ct);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(keyFile).Trim()).Length);
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "data", "keys")), "a key ring folder was written");

        var line = await RefusalAsync(folder.Path,
            $"--Tunai:Secrets:MasterKey={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}");

        Assert.StartsWith("tunai: the secrets in this database were sealed with another master key: ", line, StringComparison.Ordinal);
        Assert.Contains("Tunai:Secrets:MasterKey", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableDatabaseNamesTheConnectionString()
    {
        using var folder = new TempFolder();
        var port = FreePort();

        var line = await RefusalAsync(folder.Path, Production($"--Tunai:Secrets:MasterKey={GatewayProcess.MasterKey}",
            "--Tunai:Storage:Provider=Postgres", $"--Tunai:Storage:ConnectionString=Host=127.0.0.1;Port={port};Username=tunai;Password=tunai;Database=tunai"));

        Assert.StartsWith($"tunai: database error: cannot reach PostgreSQL (Failed to connect to 127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("Tunai:Storage:ConnectionString", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongDatabasePasswordNamesTheConnectionString()
    {
        var server = new NpgsqlConnectionStringBuilder(TestDatabase.PostgresServer()) { Password = "not-the-password" };
        using var folder = new TempFolder();

        var line = await RefusalAsync(folder.Path, Production($"--Tunai:Secrets:MasterKey={GatewayProcess.MasterKey}",
            "--Tunai:Storage:Provider=Postgres", $"--Tunai:Storage:ConnectionString={server.ConnectionString}"));

        Assert.StartsWith("tunai: database error: PostgreSQL refused the login: password authentication failed", line, StringComparison.Ordinal);
        Assert.EndsWith("fix Username and Password in Tunai:Storage:ConnectionString", line, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingDatabaseNamesTheConnectionString()
    {
        var server = new NpgsqlConnectionStringBuilder(TestDatabase.PostgresServer()) { Database = "tunai_missing_" + Guid.NewGuid().ToString("N")[..12] };
        using var folder = new TempFolder();

        var line = await RefusalAsync(folder.Path, Production($"--Tunai:Secrets:MasterKey={GatewayProcess.MasterKey}",
            "--Tunai:Storage:Provider=Postgres", $"--Tunai:Storage:ConnectionString={server.ConnectionString}"));

        Assert.Equal($"tunai: database error: database \"{server.Database}\" does not exist; create it (createdb) or fix Database in Tunai:Storage:ConnectionString", line);
    }

    [Fact]
    public async Task APortInUseNamesTheAddressAndHowToGiveAnother()
    {
        using var folder = new TempFolder();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var line = await RefusalAsync(folder.Path, "--urls", url, "--Tunai:PrintSandboxCredentials=false");

        Assert.Equal($"tunai: Failed to bind to address {url}: address already in use; stop what listens there or give another address " +
            "with --urls (or ASPNETCORE_URLS, Kestrel:Endpoints)", line);
    }

    [Fact]
    public async Task AMigrationChangedAfterItWasAppliedStopsTheStart()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using (var sandbox = GatewayProcess.Start(folder.Path, "--Tunai:PrintSandboxCredentials=false"))
        {
            await sandbox.WaitUntilReadyAsync(ct);
            sandbox.Terminate();
            await sandbox.WaitForExitAsync(ct);
        }
        // As if the shipped text of migration 2 had been edited since this database applied it.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(folder.Path, "data", "tunai.db")};Pooling=False"))
        {
            await db.OpenAsync(ct);
            await using var update = db.CreateCommand();
            update.CommandText = "UPDATE schema_migrations SET checksum = 'ffffffffffffffffffffffff' WHERE version = 2";
            Assert.Equal(1, await update.ExecuteNonQueryAsync(ct));
        }

        var line = await RefusalAsync(folder.Path, "--Tunai:PrintSandboxCredentials=false");

        Assert.StartsWith("tunai: database error: migration 2 (0002_store) was changed after it was applied to this database", line, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
