using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Chaos;

/// <summary>
/// The gateway instances of a run, as processes on 127.0.0.1 over one database: on SQLite one instance in one
/// folder, restarted in that folder after each kill; on PostgreSQL several, each in a folder of its own (no shared
/// key folder: the key ring is in the database). A killed instance is started again at once, on a new port.
/// </summary>
internal sealed class Cluster : IAsyncDisposable
{
    public const string AdminToken = "chaos-admin-5Qm2xT8rVb7LkP0wZ3nE9dYh";

    private readonly Instance[] _instances;
    private readonly string[] _args;
    private readonly List<HttpClient> _clients = [];
    private int _kills;

    private Cluster(TestDatabase database, Instance[] instances, string[] args)
    {
        Database = database;
        _instances = instances;
        _args = args;
    }

    public TestDatabase Database { get; }

    public int Kills => Volatile.Read(ref _kills);

    public int Count => _instances.Length;

    /// <summary>The SQLite file's write-ahead log, or null on PostgreSQL.</summary>
    public string? WalPath { get; private init; }

    /// <summary>The operating-system id of instance <paramref name="index"/> while it runs, else null.</summary>
    public int? ProcessId(int index) => _instances[index].Current is { } current ? current.Process.Id : null;

    private sealed class Instance(TempFolder folder)
    {
        public TempFolder Folder { get; } = folder;

        public volatile Running? Current;
    }

    /// <summary>A started, answering gateway process and the client that talks to it.</summary>
    private sealed record Running(GatewayProcess Process, HttpClient Http);

    public static async Task<Cluster> StartAsync(bool postgres, int instances, CancellationToken ct)
    {
        var folders = Enumerable.Range(0, postgres ? instances : 1).Select(_ => new TempFolder()).ToArray();
        var database = postgres ? await TestDatabase.CreatePostgresAsync() : TestDatabase.CreateSqlite(folders[0].Path);
        string[] args =
        [
            .. database.Settings.Select(s => "--" + s),
            "--Tunai:Mode=Production", $"--Tunai:AdminToken={AdminToken}", "--Tunai:PublicBaseUrl=https://pay.example.com",
            // The merchants' notification URLs are this program's receivers on 127.0.0.1, over plain HTTP.
            "--Tunai:Outbound:AllowPrivateNetworks=true", "--Tunai:AllowPlainHttp=true",
            // Short leases and polls, so a notification a killed instance held is delivered by another within seconds.
            "--Tunai:Notifications:Timeout=00:00:02", "--Tunai:Notifications:PollInterval=00:00:00.200",
            "--Logging:LogLevel:Default=Warning",
        ];
        var cluster = new Cluster(database, folders.Select(f => new Instance(f)).ToArray(), args)
        {
            WalPath = postgres ? null : Path.Combine(folders[0].Path, "tunai.db-wal"),
        };
        // The first instance alone creates the schema; the others start once it is there.
        await cluster.StartInstanceAsync(0, ct);
        await Task.WhenAll(Enumerable.Range(1, cluster.Count - 1).Select(i => cluster.StartInstanceAsync(i, ct)));
        return cluster;
    }

    private async Task StartInstanceAsync(int index, CancellationToken ct)
    {
        var instance = _instances[index];
        var process = GatewayProcess.Start(instance.Folder.Path, _args);
        try
        {
            await process.WaitUntilReadyAsync(ct);
        }
        catch
        {
            process.Dispose();
            throw;
        }
        var http = new HttpClient { BaseAddress = process.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        lock (_clients)
        {
            _clients.Add(http);
        }
        instance.Current = new Running(process, http);
    }

    /// <summary>A running instance's client, at random; null while none runs (SQLite's one instance is restarting).</summary>
    public HttpClient? Pick(Random random)
    {
        var running = _instances.Select(i => i.Current).OfType<Running>().ToArray();
        return running.Length == 0 ? null : running[random.Next(running.Length)].Http;
    }

    /// <summary>SIGKILL to instance <paramref name="index"/> (no shutdown code runs), then the same instance started again.</summary>
    public async Task KillAndRestartAsync(int index, CancellationToken ct)
    {
        var instance = _instances[index];
        if (instance.Current is not { } running)
        {
            return;
        }
        instance.Current = null;
        var pid = running.Process.Id;
        running.Process.Kill();
        Interlocked.Increment(ref _kills);
        running.Process.Dispose();
        var down = System.Diagnostics.Stopwatch.StartNew();
        await StartInstanceAsync(index, ct);
        Console.WriteLine($"chaos: instance {index} (pid {pid}) killed, answering again after {down.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Starts every instance that is not running (after a kill whose restart was cut short).</summary>
    public async Task EnsureAllRunningAsync(CancellationToken ct)
    {
        for (var i = 0; i < _instances.Length; i++)
        {
            if (_instances[i].Current is null)
            {
                await StartInstanceAsync(i, ct);
            }
        }
    }

    /// <summary>An admin call to a running instance; a lost answer (an instance killed under it) is sent again.</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonNode? Json)> AdminAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var random = new Random();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (Pick(random) is { } http)
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body);
                }
                try
                {
                    using var response = await http.SendAsync(request, ct);
                    var text = await response.Content.ReadAsStringAsync(ct);
                    if ((int)response.StatusCode < 500)
                    {
                        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
                    }
                }
                catch (Exception e) when (Traffic.IsLostAnswer(e, ct))
                {
                    // the instance went away under the request: ask another (or the restarted one)
                }
            }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>What each instance wrote to stderr, for a failed run's report.</summary>
    public string Errors() => string.Join("\n", _instances.Select(i => i.Current?.Process.StandardError).Where(e => !string.IsNullOrWhiteSpace(e)));

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            if (instance.Current is { } running)
            {
                running.Process.Dispose();
            }
        }
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }
        await Database.DisposeAsync();
        foreach (var instance in _instances)
        {
            instance.Folder.Dispose();
        }
    }
}
