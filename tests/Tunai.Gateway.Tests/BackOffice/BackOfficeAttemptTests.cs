using System.Net;
using System.Text.RegularExpressions;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>A notification attempt keeps the headers it sent, and the code's page shows them (the signature, never the key).</summary>
public sealed partial class BackOfficeAttemptTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;
    private MerchantEndpoint _endpoint = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _endpoint = await MerchantEndpoint.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _endpoint.DisposeAsync();
    }

    [Fact]
    public async Task TheCodePageShowsTheHeadersEachAttemptSent()
    {
        var calls = 0;
        _endpoint.Handler = call => Interlocked.Increment(ref calls) == 1 ? new MerchantReply(500, "{}") : MerchantReply.Ok();
        var merchant = await _endpoint.RegisterAsync(_gateway);
        var store = await TestStore.CreateAsync(_gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        await Eventually.WaitAsync(() => _gateway.CountAsync("SELECT attempts FROM notifications"), n => n == 1, "the failed attempt");
        _gateway.Time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.WaitAsync(() => _gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED'"), n => n == 1, "delivery");
        using var viewer = new BackOfficeHttp(_gateway);
        await viewer.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, Roles.Viewer), BackOfficeAccounts.Password);

        var page = await viewer.GetAsync($"/backoffice/codes/{code}");

        var shown = HeadersSent().Matches(page.Body).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToList();
        var received = _endpoint.CallsTo(MerchantEndpoint.NotificationPath);
        Assert.Equal(2, shown.Count);
        Assert.Equal(2, received.Count);
        for (var i = 0; i < 2; i++)
        {
            var lines = shown[i].Split('\n');
            foreach (var name in new[] { "Client-Id", "Request-Id", "Request-Timestamp", "Signature" })
            {
                Assert.Contains($"{name}: {received[i].Headers[name]}", lines);
            }
            Assert.Contains("Content-Type: application/json", lines);
            Assert.DoesNotContain(merchant.SecretKey, shown[i], StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("<details class=\"headers-sent\"><summary>[^<]*</summary><pre>([^<]*)</pre>")]
    private static partial Regex HeadersSent();
}
