using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// A merchant and the sandbox's store on a gateway process, for the outage tests: creates and pays codes, and
/// counts which payments its notification endpoint was told of (refusing them until <see cref="Healthy"/>).
/// </summary>
internal sealed class OutageShop : IDisposable
{
    private readonly HttpClient _http;
    private readonly MerchantEndpoint _endpoint;
    private readonly Dictionary<string, string> _sandbox;

    /// <summary>Longer than any wait the gateway allows itself (a connection 5 s, a statement 15 s): a request that hangs fails the test.</summary>
    private static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(25);

    private OutageShop(GatewayProcess gateway, MerchantEndpoint endpoint)
    {
        _http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = RequestBound };
        _endpoint = endpoint;
        _sandbox = gateway.SandboxEnv();
        endpoint.Handler = Answer;
    }

    /// <summary>Until set, the merchant answers notifications 503, so they wait in the outbox.</summary>
    public volatile bool Healthy;

    /// <summary>The store trx_ids the merchant was notified of (signature checked).</summary>
    public ConcurrentDictionary<string, bool> Notified { get; } = new();

    public HttpClient Http => _http;

    public static async Task<OutageShop> OpenAsync(GatewayProcess gateway, MerchantEndpoint endpoint, CancellationToken ct)
    {
        var shop = new OutageShop(gateway, endpoint);
        using var admin = new HttpClient { BaseAddress = gateway.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", shop._sandbox["TUNAI_ADMIN_TOKEN"]);
        using var created = await admin.PostAsJsonAsync("/admin/v1/merchants", new
        {
            name = "Outage shop", client_id = endpoint.ClientId, secret_key = endpoint.SecretKey, notification_url = endpoint.NotificationUrl,
        }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return shop;
    }

    private MerchantReply Answer(MerchantCall call)
    {
        if (!Healthy)
        {
            return new MerchantReply(503, "{}");
        }
        if (call.SignatureValid)
        {
            Notified[(string)call.Json["online_to_offline_payment"]!["identifier"]![2]!["value"]!] = true;
        }
        return MerchantReply.Ok();
    }

    public Task<ApiResponse> CreateAsync(string? invoice = null, string? requestId = null) =>
        SignedHttp.PostJsonAsync(_http, _endpoint.ClientId, _endpoint.SecretKey, TestMerchant.CreatePath,
            JsonSerializer.Serialize(TestMerchant.ValidCreate(invoice, amount: 25000)), requestId);

    public Task<ApiResponse> PayAsync(string code, string trxId) =>
        SignedHttp.PostJsonAsync(_http, _sandbox["TUNAI_ACQUIRER_CLIENT_ID"], _sandbox["TUNAI_ACQUIRER_SECRET_KEY"],
            "/acquirer/v1/alfa/payment", TestStore.Body(code, trxId, 25000).ToJsonString());

    /// <summary>A new code, asserted created.</summary>
    public async Task<string> NewCodeAsync()
    {
        var created = await CreateAsync();
        Assert.True(created.Status == HttpStatusCode.OK, created.Body);
        return (string)created.Json["online_to_offline_info"]!["payment_code"]!;
    }

    /// <summary>Creates and pays <paramref name="count"/> codes; their trx_ids, every one acknowledged.</summary>
    public async Task<List<string>> PayNewCodesAsync(int count)
    {
        var acknowledged = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var trx = TestStore.NewTrxId();
            var paid = await PayAsync(await NewCodeAsync(), trx);
            Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
            acknowledged.Add(trx);
        }
        return acknowledged;
    }

    /// <summary>A 503 of the database outage in the gateway's error shape, with Retry-After.</summary>
    public static void AssertUnavailable(ApiResponse answer, string because)
    {
        Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable, $"{because}: {(int)answer.Status} {answer.Body}");
        Assert.Equal("database_unavailable", answer.ErrorCode);
        Assert.Equal("5", answer.Headers["Retry-After"]);
    }

    public async Task<HttpStatusCode> StatusOfAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        return response.StatusCode;
    }

    public void Dispose() => _http.Dispose();
}
