using System.Net;
using System.Net.Http.Headers;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>
/// Guessing secrets and flooding the API are slowed with 429 and Retry-After. Each test sets a small limit on a
/// gateway of its own and goes past it at once; no test waits for a limiter to refill.
/// </summary>
public sealed class RateLimitTests
{
    private static void AssertTooMany(HttpStatusCode status, Dictionary<string, string> headers, string body, string code)
    {
        Assert.True(status == HttpStatusCode.TooManyRequests, $"expected 429, got {(int)status}: {body}");
        Assert.True(int.Parse(headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture) >= 1, headers["Retry-After"]);
        Assert.Contains(code, body, StringComparison.Ordinal);
    }

    private static Task<ApiResponse> BadSignatureAsync(TestMerchant merchant, string? clientId = null) =>
        merchant.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null, tamper: r =>
        {
            r.Headers.Remove("Signature");
            r.Headers.Add("Signature", "HMACSHA256=bm90IHRoZSBzaWduYXR1cmU=");
            if (clientId is not null)
            {
                r.Headers.Remove("Client-Id");
                r.Headers.Add("Client-Id", clientId);
            }
        });

    [Fact]
    public async Task GuessingOneMerchantsSecretIsAnswered429ForThatClientIdsGuessesOnly()
    {
        await using var gateway = await GatewayHost.StartAsync(null,
            "Tunai:RateLimits:AuthenticationFailuresPerMinutePerClientId=3", "Tunai:RateLimits:AuthenticationFailuresPerMinutePerAddress=1000");
        var victim = await gateway.CreateMerchantAsync();
        var other = await gateway.CreateMerchantAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await BadSignatureAsync(victim)).Status);
        }

        var blocked = await BadSignatureAsync(victim);
        var otherGuess = await BadSignatureAsync(other);
        var victimItself = await victim.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null);

        AssertTooMany(blocked.Status, blocked.Headers, blocked.Body, "too_many_authentication_failures");
        Assert.Equal(HttpStatusCode.Unauthorized, otherGuess.Status);
        // The merchant that holds the key is served: only guesses are refused.
        Assert.Equal(HttpStatusCode.NotFound, victimItself.Status);
    }

    [Fact]
    public async Task GuessingTheAdminTokenIsAnswered429()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:AuthenticationFailuresPerMinutePerAddress=3");
        var ct = TestContext.Current.CancellationToken;
        using var guesser = new HttpClient { BaseAddress = gateway.BaseAddress };
        guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "a-wrong-guess-of-the-admin-token");
        for (var i = 0; i < 3; i++)
        {
            using var refused = await guesser.GetAsync("/admin/v1/payment-codes", ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using var response = await guesser.GetAsync("/admin/v1/payment-codes", ct);

        AssertTooMany(response.StatusCode, Headers(response), await response.Content.ReadAsStringAsync(ct), "too_many_authentication_failures");
    }

    [Fact]
    public async Task GuessingHowToPayTokensIsAnswered429()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:AuthenticationFailuresPerMinutePerAddress=3");
        var ct = TestContext.Current.CancellationToken;
        var merchant = await gateway.CreateMerchantAsync();
        var (code, _) = await merchant.CreateCodeAsync();
        for (var i = 0; i < 3; i++)
        {
            using var guess = await gateway.Http.GetAsync($"/how-to-pay/v2/alfa-online-to-offline/{code}/guess{i}", ct);
            Assert.Equal(HttpStatusCode.NotFound, guess.StatusCode);
        }

        using var response = await gateway.Http.GetAsync($"/how-to-pay/v2/alfa-online-to-offline/{code}/guess3", ct);

        AssertTooMany(response.StatusCode, Headers(response), await response.Content.ReadAsStringAsync(ct), "too_many_authentication_failures");
    }

    [Fact]
    public async Task AMerchantOverItsRateGetsASigned429AndAnotherMerchantDoesNot()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:MerchantRequestsPerSecond=2");
        var busy = await gateway.CreateMerchantAsync();
        var quiet = await gateway.CreateMerchantAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => busy.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null)));
        var other = await quiet.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null);

        var limited = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        AssertTooMany(limited[0].Status, limited[0].Headers, limited[0].Body, "rate_limited");
        limited[0].AssertSignedBy(busy);
        Assert.All(answers.Except(limited), a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.Equal(HttpStatusCode.NotFound, other.Status);
    }

    [Fact]
    public async Task AnAcquirerConnectionOverItsRateGets429()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:StoreRequestsPerSecond=2");
        var store = await TestStore.CreateAsync(gateway);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => store.InquiryAsync("99990000000001")));

        var limited = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        AssertTooMany(limited[0].Status, limited[0].Headers, limited[0].Body, "rate_limited");
    }

    private static Dictionary<string, string> Headers(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
}

/// <summary>The log of a refused authentication, read from a real gateway's output.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class AuthenticationFailureLogTests
{
    [Fact]
    public async Task AFailedAuthenticationIsLoggedWithAddressAndReasonButNeverTheSecret()
    {
        var ct = TestContext.Current.CancellationToken;
        const string guessedToken = "guessed-admin-token-do-not-log-me-0001";
        const string guessedSignature = "HMACSHA256=ZG8tbm90LWxvZy1tZS1zaWduYXR1cmU=";
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path, "--Tunai:PrintSandboxCredentials=false");
        await gateway.WaitUntilReadyAsync(ct);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var admin = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/payment-codes");
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", guessedToken);
        (await http.SendAsync(admin, ct)).Dispose();
        using var signed = new HttpRequestMessage(HttpMethod.Get, "/orders/v1/status/INV-1");
        signed.Headers.Add("Client-Id", "MCH-LOGGED-0001");
        signed.Headers.Add("Request-Id", Guid.NewGuid().ToString());
        signed.Headers.Add("Request-Timestamp", Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.UtcNow));
        signed.Headers.Add("Signature", guessedSignature);
        (await http.SendAsync(signed, ct)).Dispose();

        var output = await gateway.WaitForOutputAsync(o => o.Contains("MCH-LOGGED-0001", StringComparison.Ordinal), ct);
        Assert.Contains("from 127.0.0.1", output, StringComparison.Ordinal);
        Assert.Contains("invalid_admin_token", output, StringComparison.Ordinal);
        Assert.Contains("unknown_client", output, StringComparison.Ordinal);
        Assert.DoesNotContain(guessedToken, gateway.Output(), StringComparison.Ordinal);
        Assert.DoesNotContain("ZG8tbm90LWxvZy1tZS1zaWduYXR1cmU", gateway.Output(), StringComparison.Ordinal);
    }
}
