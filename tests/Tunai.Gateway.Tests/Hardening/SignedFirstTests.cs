using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>
/// Nobody without a key can lock out the party that has it. An attacker at 127.0.0.2 sends badly signed requests
/// naming the acquirer's and a merchant's Client-Id (and wrong admin tokens); the real parties, correctly signed,
/// send from 127.0.0.3 and from 127.0.0.2 too (a shared NAT address). The attacker's failures are answered 429 once
/// the budgets are spent; every correctly authenticated request is served throughout.
/// </summary>
public sealed class SignedFirstTests
{
    private const string ReportPath = "/settlements/v1/reports/2026-11-30";

    // Small budgets, so the attacker spends them within a few requests; the test never waits for a refill.
    private static readonly string[] SmallBudgets =
        ["Tunai:RateLimits:AuthenticationFailuresPerMinutePerAddress=6", "Tunai:RateLimits:AuthenticationFailuresPerMinutePerClientId=3"];

    private static Task<ApiResponse> SignedAsync(HttpClient from, GatewayHost gateway, string clientId, string secret, HttpMethod method, string path, string? body = null) =>
        SignedHttp.SendAsync(from, clientId, secret, method, path, body is null ? null : Encoding.UTF8.GetBytes(body), now: gateway.Time.GetUtcNow());

    private static string Inquiry(string code) => TestStore.Body(code, TestStore.NewTrxId()).ToJsonString();

    [Fact]
    public async Task BadlySignedRequestsNamingTheirClientIdsDoNotKeepTheAcquirerOrTheMerchantOut()
    {
        var logs = new CollectedLogs();
        await using var gateway = await GatewayHost.StartWithAsync(b => b.Logging.AddProvider(logs), SmallBudgets);
        var store = await TestStore.CreateAsync(gateway);
        var merchant = await gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();
        using var attacker = LoopbackAddress.Client(LoopbackAddress.Attacker, gateway.BaseAddress);
        using var honest = LoopbackAddress.Client(LoopbackAddress.Honest, gateway.BaseAddress);
        var attackerAnswers = new List<ApiResponse>();

        for (var round = 0; round < 6; round++)
        {
            attackerAnswers.Add(await SignedAsync(attacker, gateway, store.ClientId, "not-the-acquirers-key", HttpMethod.Post, TestStore.InquiryPath, Inquiry(code)));
            attackerAnswers.Add(await SignedAsync(attacker, gateway, merchant.ClientId, "not-the-merchants-key", HttpMethod.Get, "/orders/v1/status/INV-1"));
            attackerAnswers.Add(await SignedAsync(attacker, gateway, merchant.ClientId, "not-the-merchants-key", HttpMethod.Get, ReportPath));

            foreach (var from in new[] { honest, attacker })
            {
                var inquiry = await SignedAsync(from, gateway, store.ClientId, store.SecretKey, HttpMethod.Post, TestStore.InquiryPath, Inquiry(code));
                Assert.True(inquiry.Status == HttpStatusCode.OK, $"round {round}: the acquirer's inquiry got {(int)inquiry.Status}: {inquiry.Body}");
                var create = await SignedAsync(from, gateway, merchant.ClientId, merchant.SecretKey, HttpMethod.Post, TestMerchant.CreatePath,
                    JsonSerializer.Serialize(TestMerchant.ValidCreate()));
                Assert.True(create.Status == HttpStatusCode.OK, $"round {round}: the merchant's create got {(int)create.Status}: {create.Body}");
                var report = await SignedAsync(from, gateway, merchant.ClientId, merchant.SecretKey, HttpMethod.Get, ReportPath);
                Assert.True(report.Status == HttpStatusCode.OK, $"round {round}: the merchant's report got {(int)report.Status}: {report.Body}");
            }
        }

        // The first failures are refused as what they are; once a budget is spent (the merchant's Client-Id at the
        // sixth, the address at the seventh), every failure is a 429. A budget refills one failure in 10 s or more.
        Assert.All(attackerAnswers.Take(3), a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
        Assert.All(attackerAnswers.Skip(6), a => a.AssertError(HttpStatusCode.TooManyRequests, "too_many_authentication_failures"));
        Assert.All(attackerAnswers.Skip(6), a => Assert.True(int.Parse(a.Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture) >= 1));
        // A failed report request is logged like any other failed authentication, with its address and reason.
        Assert.Contains(logs.Lines, l => l.Contains($"GET {ReportPath} from 127.0.0.2, Client-Id {merchant.ClientId}: invalid_signature", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailuresFromOneAddressUnderManyClientIdsAre429WhileValidRequestsFromThereAreServed()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:AuthenticationFailuresPerMinutePerAddress=5");
        var merchant = await gateway.CreateMerchantAsync();
        using var attacker = LoopbackAddress.Client(LoopbackAddress.Attacker, gateway.BaseAddress);
        for (var i = 0; i < 5; i++)
        {
            // A different made-up Client-Id each time: only the address ties the guesses together.
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignedAsync(attacker, gateway, $"MCH-GUESS-{i}", "guess", HttpMethod.Get, "/orders/v1/status/INV-1")).Status);
        }

        var sixth = await SignedAsync(attacker, gateway, "MCH-GUESS-5", "guess", HttpMethod.Get, "/orders/v1/status/INV-1");
        var valid = await SignedAsync(attacker, gateway, merchant.ClientId, merchant.SecretKey, HttpMethod.Get, "/orders/v1/status/INV-1");

        sixth.AssertError(HttpStatusCode.TooManyRequests, "too_many_authentication_failures");
        valid.AssertError(HttpStatusCode.NotFound, "order_not_found");
    }

    [Fact]
    public async Task WrongAdminTokensDoNotKeepTheAdminOut()
    {
        await using var gateway = await GatewayHost.StartAsync(null, SmallBudgets);
        var ct = TestContext.Current.CancellationToken;
        using var attacker = LoopbackAddress.Client(LoopbackAddress.Attacker, gateway.BaseAddress);
        attacker.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "a-wrong-guess-of-the-admin-token");
        using var adminThere = LoopbackAddress.Client(LoopbackAddress.Attacker, gateway.BaseAddress);
        using var adminHere = LoopbackAddress.Client(LoopbackAddress.Honest, gateway.BaseAddress);
        foreach (var admin in new[] { adminThere, adminHere })
        {
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.AdminToken);
        }
        var refused = new List<HttpStatusCode>();

        for (var i = 0; i < 10; i++)
        {
            using (var guess = await attacker.GetAsync("/admin/v1/payment-codes", ct))
            {
                refused.Add(guess.StatusCode);
                if (guess.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Assert.Contains("too_many_authentication_failures", await guess.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
                    Assert.NotNull(guess.Headers.RetryAfter);
                    Assert.Empty(guess.Headers.WwwAuthenticate);
                }
            }
            foreach (var admin in new[] { adminThere, adminHere })
            {
                using var served = await admin.GetAsync("/admin/v1/payment-codes", ct);
                Assert.True(served.StatusCode == HttpStatusCode.OK, $"guess {i}: the admin got {(int)served.StatusCode}");
            }
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 6), refused.Take(6));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 4), refused.Skip(6));
    }

    [Fact]
    public async Task GuessedHowToPayTokensAre429WhileTheRealPageIsServedFromTheSameAddress()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:AuthenticationFailuresPerMinutePerAddress=3");
        var ct = TestContext.Current.CancellationToken;
        var merchant = await gateway.CreateMerchantAsync();
        var (code, created) = await merchant.CreateCodeAsync();
        var page = (string)created["online_to_offline_info"]!["how_to_pay_page"]!;
        using var customer = LoopbackAddress.Client(LoopbackAddress.Attacker, gateway.BaseAddress);
        var guesses = new List<HttpStatusCode>();

        for (var i = 0; i < 5; i++)
        {
            using (var guess = await customer.GetAsync($"/how-to-pay/v2/alfa-online-to-offline/{code}/guess{i}", ct))
            {
                guesses.Add(guess.StatusCode);
            }
            using var real = await customer.GetAsync(page, ct);
            Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        }

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], guesses);
    }

    [Fact]
    public async Task WrongTokensForMetricsSpendTheSameBudget()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Telemetry:Prometheus=true", "Tunai:RateLimits:AuthenticationFailuresPerMinutePerAddress=2");
        var ct = TestContext.Current.CancellationToken;
        using var attacker = LoopbackAddress.Client(LoopbackAddress.Attacker, gateway.BaseAddress);
        attacker.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "a-wrong-guess-of-the-admin-token");
        using var admin = LoopbackAddress.Client(LoopbackAddress.Attacker, gateway.BaseAddress);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.AdminToken);
        var statuses = new List<HttpStatusCode>();

        for (var i = 0; i < 3; i++)
        {
            using var guess = await attacker.GetAsync("/metrics", ct);
            statuses.Add(guess.StatusCode);
        }
        using var served = await admin.GetAsync("/metrics", ct);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }
}
