using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Tunai.Gateway.Outbound;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>Notifications and inquiries never reach a non-public address in production, however it is written.</summary>
public sealed class OutboundAddressTests
{
    /// <summary>Each carries a private or loopback IPv4 address inside IPv6, which the check used to let through.</summary>
    [Theory]
    [InlineData("64:ff9b::a00:1")]          // NAT64 of 10.0.0.1
    [InlineData("64:ff9b::7f00:1")]         // NAT64 of 127.0.0.1
    [InlineData("64:ff9b:1::a00:1")]        // local-use NAT64
    [InlineData("::a00:1")]                 // IPv4-compatible ::10.0.0.1
    [InlineData("::ffff:0:a00:1")]          // IPv4-translated ::ffff:0:10.0.0.1
    [InlineData("2002:a00:1::1")]           // 6to4 through 10.0.0.1
    [InlineData("2002:c0a8:101::1")]        // 6to4 through 192.168.1.1
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe")] // Teredo (client 10.0.0.1)
    public async Task AnIPv4AddressEmbeddedInIPv6DoesNotSmuggleANotificationToAPrivateNetwork(string address)
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Mode=Production", "Tunai:PublicBaseUrl=https://pay.example.com",
            "Tunai:AllowPlainHttp=true");
        var merchant = await gateway.CreateMerchantAsync(new { name = "Toko", notification_url = $"http://[{address}]:8080/payments/notifications" });
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);

        var attempt = await Eventually.WaitAsync(async () =>
        {
            using var list = await gateway.Admin.GetAsync($"/admin/v1/notifications?client_id={merchant.ClientId}");
            return GatewayHost.Json(await list.Content.ReadAsStringAsync())["data"]![0]!;
        }, n => (int)n["attempts"]! >= 1, "the refused attempt", TimeSpan.FromSeconds(30));

        Assert.Contains("non-public address", (string)attempt["last_error"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("64:ff9b::808:808", true)]   // NAT64 of 8.8.8.8: a real IPv6-only network reaches public IPv4 so
    [InlineData("2002:808:808::1", true)]    // 6to4 through 8.8.8.8
    [InlineData("2a00:1450:4001:82a::200e", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("3fff::1", false)]
    [InlineData("100::1", false)]            // discard-only
    [InlineData("192.88.99.1", false)]       // 6to4 relay anycast
    public void PublicMeansReachableOnTheInternetAndNothingElse(string address, bool expected) =>
        Assert.Equal(expected, OutboundHttp.IsPublic(IPAddress.Parse(address)));
}

/// <summary>The outbound check applies to the merchant's address even where the environment names a proxy.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class OutboundProxyTests
{
    [Fact]
    public async Task AProxyFromTheEnvironmentIsNotUsedSoTheCheckSeesTheMerchantsAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        using var proxy = new RecordingListener();
        using var merchantSide = new RecordingListener();
        using var folder = new TempFolder();
        var proxyUrl = $"http://127.0.0.1:{proxy.Port}";
        using var gateway = GatewayProcess.Start(folder.Path,
            new Dictionary<string, string> { ["http_proxy"] = proxyUrl, ["HTTP_PROXY"] = proxyUrl, ["ALL_PROXY"] = proxyUrl, ["all_proxy"] = proxyUrl },
            "--Tunai:PrintSandboxCredentials=false", "--Tunai:Store:DirectInquiryTimeout=00:00:02");
        await gateway.WaitUntilReadyAsync(ct);
        var env = gateway.SandboxEnv();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = gateway.BaseAddress };
        using var admin = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/merchants")
        {
            Content = JsonContent.Create(new { name = "Toko DIPC", code_prefix = "9871", inquiry_url = $"http://127.0.0.1:{merchantSide.Port}/payments/inquiry" }),
        };
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", env["TUNAI_ADMIN_TOKEN"]);
        using (var created = await http.SendAsync(admin, ct))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(ct));
        }

        // A store inquiry for a code under that prefix is forwarded to the merchant's Inquiry URL.
        await SignedHttp.SendAsync(http, env["TUNAI_ACQUIRER_CLIENT_ID"], env["TUNAI_ACQUIRER_SECRET_KEY"], HttpMethod.Post,
            TestStore.InquiryPath, Encoding.UTF8.GetBytes(TestStore.Body("98710000000001", TestStore.NewTrxId()).ToJsonString()));

        await Eventually.WaitAsync(() => !merchantSide.Requests.IsEmpty || !proxy.Requests.IsEmpty, "the forwarded inquiry");
        Assert.Empty(proxy.Requests);
        Assert.StartsWith("POST /payments/inquiry ", merchantSide.Requests.First(), StringComparison.Ordinal);
    }

    /// <summary>Accepts connections on 127.0.0.1 and records each request line, then closes.</summary>
    private sealed class RecordingListener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public RecordingListener()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public ConcurrentQueue<string> Requests { get; } = new();

        private async Task AcceptAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
                    Requests.Enqueue(await reader.ReadLineAsync(_stop.Token) ?? "");
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                // stopped
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _listener.Dispose();
        }
    }
}
