using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tunai.Gateway.Startup;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// A real gateway: Kestrel on 127.0.0.1, port 0 read back once bound, a real SQLite file in a fresh folder, and a fake
/// clock the test moves. Everything is reached over HTTP.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string AdminToken = "test-admin-m3KCzdUqJxUj51B06L9jNkjZ5YTdlIES";

    private readonly WebApplication _app;
    private readonly TestDatabase _database;

    private GatewayHost(WebApplication app, TestDatabase database, string folder, FakeTimeProvider time, Uri baseAddress)
    {
        _app = app;
        _database = database;
        Folder = folder;
        Time = time;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
        Admin = new HttpClient { BaseAddress = baseAddress };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    public string Folder { get; }

    public FakeTimeProvider Time { get; }

    public Uri BaseAddress { get; }

    /// <summary>A plain client: no credentials.</summary>
    public HttpClient Http { get; }

    /// <summary>A client carrying the admin token.</summary>
    public HttpClient Admin { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The settings that point a gateway (or the CLI) at this gateway's database, without the leading "--".</summary>
    public IEnumerable<string> DatabaseSettings => _database.Settings;

    public static async Task<GatewayHost> StartAsync(DateTimeOffset? now = null, params string[] settings)
    {
        var folder = NewFolder();
        return await StartAsync(folder, await TestDatabase.CreateAsync(folder), now, settings);
    }

    /// <summary>A gateway on the given database (which it disposes), whatever the suite's provider.</summary>
    public static Task<GatewayHost> StartOnAsync(TestDatabase database, params string[] settings) =>
        StartAsync(NewFolder(), database, null, settings);

    private static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "tunai-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A gateway whose builder the test adds to (an in-memory telemetry exporter, say).</summary>
    public static async Task<GatewayHost> StartWithAsync(Action<WebApplicationBuilder> configure, params string[] settings)
    {
        var folder = NewFolder();
        return await StartAsync(folder, await TestDatabase.CreateAsync(folder), null, settings, configure);
    }

    private static async Task<GatewayHost> StartAsync(string folder, TestDatabase database, DateTimeOffset? now, string[] settings,
        Action<WebApplicationBuilder>? configure = null)
    {
        var time = new FakeTimeProvider(now ?? DateTimeOffset.UtcNow);
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--Tunai:AdminToken={AdminToken}",
            "--Logging:LogLevel:Default=Warning",
            "--Tunai:Notifications:PollInterval=00:00:00.200",
            // Hundreds of gateways per run: their banners buried the one failing test in CI's output.
            "--Tunai:PrintSandboxCredentials=false",
        };
        args.AddRange(database.Settings.Concat(settings).Select(s => "--" + s));
        WebApplication? app = null;
        try
        {
            app = GatewayApp.Build([.. args], b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                configure?.Invoke(b);
            });
            await app.InitializeAsync();
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new GatewayHost(app, database, folder, time, new Uri(address));
        }
        catch
        {
            // A gateway that did not start leaves nothing behind: its host and its test database go with it.
            if (app is not null)
            {
                await app.DisposeAsync();
            }
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a merchant through the admin API.</summary>
    public async Task<TestMerchant> CreateMerchantAsync(object? body = null)
    {
        var response = await Admin.PostAsJsonAsync("/admin/v1/merchants", body ?? new { name = "Toko Test" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, text);
        var json = JsonNode.Parse(text)!;
        return new TestMerchant(this, (string)json["client_id"]!, (string)json["secret_key"]!, (string)json["code_prefix"]!);
    }

    /// <summary>
    /// The merchant the sandbox made at its first start, as it is but for its secret key: that one is sealed in the
    /// database and written only to data/sandbox.env, so a new one is taken from the admin API (a rotation).
    /// </summary>
    public async Task<TestMerchant> SandboxMerchantAsync()
    {
        var clientId = (string)(await RowAsync("SELECT value FROM gateway_settings WHERE key = 'sandbox_client_id'"))["value"]!;
        using var rotated = await Admin.PostAsync($"/admin/v1/merchants/{clientId}/secret-keys", null);
        var text = await rotated.Content.ReadAsStringAsync();
        Assert.True(rotated.StatusCode == System.Net.HttpStatusCode.Created, text);
        var json = JsonNode.Parse(text)!;
        return new TestMerchant(this, clientId, (string)json["secret_key"]!, (string)json["code_prefix"]!);
    }

    /// <summary>Runs a scalar query against the gateway's database over a second, independent connection.</summary>
    public Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters) =>
        WithCommandAsync(sql, parameters, forReading: true, async command =>
            Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Reads one row of the gateway's database as name/value pairs.</summary>
    public Task<Dictionary<string, object?>> RowAsync(string sql, params (string Name, object Value)[] parameters) =>
        WithCommandAsync(sql, parameters, forReading: true, async command =>
        {
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync(), $"no row for {sql}");
            return Enumerable.Range(0, reader.FieldCount)
                .ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i));
        });

    /// <summary>Changes the gateway's database directly: only to set up states other features create.</summary>
    public Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters) =>
        WithCommandAsync(sql, parameters, forReading: false, command => command.ExecuteNonQueryAsync());

    private async Task<T> WithCommandAsync<T>(string sql, (string Name, object Value)[] parameters, bool forReading,
        Func<System.Data.Common.DbCommand, Task<T>> run)
    {
        await using var connection = _database.Open(forReading);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = _database.Sql(sql);
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name.TrimStart('$', '@');
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return await run(command);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // best effort: the folder is under the temp directory
        }
    }

    public static JsonNode Json(string text) => JsonNode.Parse(text) ?? throw new JsonException("null JSON");
}
