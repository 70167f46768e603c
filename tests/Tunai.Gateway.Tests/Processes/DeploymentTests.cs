using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// The deployment files: a self-contained publish that starts from environment variables alone, and the compose
/// file, unit file and Dockerfile read as their tools would read them (no container engine runs here).
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed partial class DeploymentTests
{
    private static string Repository
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Tunai.slnx")))
                {
                    return dir.FullName;
                }
            }
            throw new FileNotFoundException("Tunai.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    [Fact]
    public async Task SelfContainedPublishStartsFromEnvironmentVariablesAloneAndServesAMerchant()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        var output = Path.Combine(folder.Path, "out");
        // Its own artifacts folder: the repository's bin/ and obj/ stay as the build of the suite left them.
        var publish = GatewayProcess.Command(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", Repository,
            ["publish", "src/Tunai.Gateway", "-c", "Release", "-r", "linux-x64", "--self-contained", "--nologo",
             "--artifacts-path", Path.Combine(folder.Path, "artifacts"), "-o", output]);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromMinutes(8));
            var (code, stdout, stderr) = await RunLongAsync(publish, timeout.Token);
            Assert.True(code == 0, $"dotnet publish failed\n{stdout}\n{stderr}");
        }

        var start = GatewayProcess.Command(Path.Combine(output, "Tunai.Gateway"), folder.Path, []);
        // Port 0: the system picks it as the gateway binds, and the gateway's log says which.
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Tunai__Mode"] = "Production";
        start.Environment["Tunai__AdminToken"] = "deployment-ZjWEaM7IrHbZMfaTTu8vCStQg7HRnZEN";
        start.Environment["Tunai__PublicBaseUrl"] = "https://pay.example.test";
        start.Environment["Tunai__Secrets__MasterKey"] = GatewayProcess.MasterKey;
        start.Environment["Tunai__Storage__SqlitePath"] = Path.Combine(folder.Path, "state", "tunai.db");
        start.Environment["Logging__Console__FormatterName"] = "json";
        using var process = Process.Start(start)!;
        var logs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) logs.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) logs.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var listening = await Eventually.WaitAsync(() =>
            {
                Assert.False(process.HasExited, "the published gateway exited\n" + string.Join("\n", logs));
                return Task.FromResult(logs.Select(l => ListeningOn().Match(l)).FirstOrDefault(m => m.Success));
            }, m => m is not null, "the published gateway's \"Now listening on\" line", TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = new Uri(listening!.Groups[1].Value) };
            await Eventually.WaitAsync(async () =>
            {
                Assert.False(process.HasExited, "the published gateway exited\n" + string.Join("\n", logs));
                try
                {
                    using var ready = await http.GetAsync("/readyz", ct);
                    return ready.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return HttpStatusCode.ServiceUnavailable;
                }
            }, status => status == HttpStatusCode.OK, "/readyz of the published gateway", TimeSpan.FromSeconds(60));

            using var admin = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/merchants") { Content = JsonContent.Create(new { name = "Toko Produksi" }) };
            admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "deployment-ZjWEaM7IrHbZMfaTTu8vCStQg7HRnZEN");
            using var created = await http.SendAsync(admin, ct);
            var merchant = JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!;
            Assert.True(created.StatusCode == HttpStatusCode.Created, merchant.ToJsonString());
            var answer = await SignedHttp.SendAsync(http, (string)merchant["client_id"]!, (string)merchant["secret_key"]!, HttpMethod.Post,
                TestMerchant.CreatePath, JsonSerializer.SerializeToUtf8Bytes(TestMerchant.ValidCreate()));
            Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
            Assert.StartsWith("https://pay.example.test/how-to-pay/", (string)answer.Json["online_to_offline_info"]!["how_to_pay_page"]!, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder.Path, "state", "tunai.db")));
            // Logging__Console__FormatterName=json: every log line is a JSON object.
            Assert.NotEmpty(logs);
            Assert.All(logs.Where(l => l.StartsWith('{')), l => JsonDocument.Parse(l).Dispose());
            Assert.Contains(logs, l => l.StartsWith('{'));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void ComposeFileRunsTwoProductionGatewaysOnPostgresBehindATlsProxy()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Repository, "deploy", "compose.yaml")))
        {
            yaml.Load(reader);
        }
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var services = (YamlMappingNode)root["services"];
        Assert.Equal(["gateway-1", "gateway-2", "postgres", "proxy"], services.Children.Keys.Select(k => k.ToString()).Order());
        foreach (var name in new[] { "gateway-1", "gateway-2" })
        {
            // Both are the one anchored definition (YamlDotNet resolves the alias to the same node).
            var gateway = (YamlMappingNode)services[name];
            var environment = (YamlMappingNode)gateway["environment"];
            Assert.Equal("Production", environment["Tunai__Mode"].ToString());
            Assert.Equal("Postgres", environment["Tunai__Storage__Provider"].ToString());
            Assert.StartsWith("https://", environment["Tunai__PublicBaseUrl"].ToString(), StringComparison.Ordinal);
            Assert.Contains("${TUNAI_ADMIN_TOKEN:?", environment["Tunai__AdminToken"].ToString(), StringComparison.Ordinal);
            // The key ring is in the database: the instances share the master key (a Docker secret), not a volume.
            Assert.Equal("/run/secrets/tunai_master_key", environment["Tunai__Secrets__MasterKeyFile"].ToString());
            Assert.Equal(["tunai_master_key"], ((YamlSequenceNode)gateway["secrets"]).Select(n => n.ToString()));
            Assert.False(gateway.Children.ContainsKey("volumes"), "a gateway has a volume");
            Assert.False(environment.Children.ContainsKey("Tunai__Secrets__KeyRingPath"), "a gateway still names a key folder");
        }
        Assert.True(((YamlMappingNode)root["secrets"]).Children.ContainsKey("tunai_master_key"));
        var proxyPorts = ((YamlSequenceNode)((YamlMappingNode)services["proxy"])["ports"]).Select(p => p.ToString()).ToList();
        Assert.Contains("443:443", proxyPorts);
        var caddyfile = File.ReadAllText(Path.Combine(Repository, "deploy", "Caddyfile"));
        Assert.Contains("reverse_proxy gateway-1:8080 gateway-2:8080", caddyfile, StringComparison.Ordinal);
        Assert.Contains("health_uri /readyz", caddyfile, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemdUnitIsWellFormedAndRunsThePublishedGatewayInProduction()
    {
        var path = Path.Combine(Repository, "deploy", "tunai-gateway.service");
        var sections = new Dictionary<string, List<(string Key, string Value)>>();
        List<(string, string)>? current = null;
        foreach (var (line, number) in File.ReadAllLines(path).Select((l, i) => (l.Trim(), i + 1)))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                sections[line[1..^1]] = current = [];
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(current is not null && equals > 0, $"line {number} is neither a [Section] nor Key=Value: {line}");
            current!.Add((line[..equals], line[(equals + 1)..]));
        }
        Assert.Equal(["Install", "Service", "Unit"], sections.Keys.Order());
        var service = sections["Service"];
        Assert.Contains(("ExecStart", "/opt/tunai/Tunai.Gateway"), service);
        Assert.Contains(("Environment", "Tunai__Mode=Production"), service);
        Assert.Contains(("KillSignal", "SIGTERM"), service);
        Assert.Contains(service, e => e.Key == "EnvironmentFile");
        // The master key as a systemd credential: readable by this service alone, never in the environment file.
        Assert.Contains(("LoadCredential", "master.key:/etc/tunai/master.key"), service);
        Assert.Contains(("Environment", "Tunai__Secrets__MasterKeyFile=%d/master.key"), service);
    }

    [Fact]
    public void DockerfileBuildsInItsOwnStageAndRunsAsANonRootUserOnPort8080WithDataInAVolume()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository, "Dockerfile"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var from = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, from.Count);
        Assert.Contains(" AS build", from[0], StringComparison.Ordinal);
        var final = lines.SkipWhile(l => l != from[1]).ToList();
        Assert.Contains("COPY --from=build /app .", final);
        Assert.Contains("EXPOSE 8080", final);
        Assert.Contains("VOLUME /data", final);
        var user = Assert.Single(final, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.NotEqual("USER root", user);
        Assert.Contains(final, l => l.Contains("Tunai__Storage__SqlitePath=/data/tunai.db", StringComparison.Ordinal));
    }

    private static async Task<(int, string, string)> RunLongAsync(ProcessStartInfo start, CancellationToken ct)
    {
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Kestrel's line for the address it bound, here inside a JSON log line.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:[0-9]+)")]
    private static partial System.Text.RegularExpressions.Regex ListeningOn();
}
