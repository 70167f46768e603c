using System.Net;
using System.Security.Cryptography;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>SNAP authentication failures spend the same budgets as the Alfa O2O API's; concurrent replays do the work once.</summary>
public sealed class SnapAbuseTests
{
    [Fact]
    public async Task GuessingASnapKeyIsAnswered429ForThatClientOnlyAndTheKeyHolderIsServed()
    {
        await using var gateway = await GatewayHost.StartAsync(null,
            "Tunai:RateLimits:AuthenticationFailuresPerMinutePerClientId=3", "Tunai:RateLimits:AuthenticationFailuresPerMinutePerAddress=1000");
        using var victim = await SnapMerchant.CreateAsync(gateway);
        using var other = await SnapMerchant.CreateAsync(gateway);
        using var guess = RSA.Create(2048);
        for (var i = 0; i < 3; i++)
        {
            (await victim.TokenRawAsync(key: guess)).AssertCode("4017300");
        }

        var blocked = await victim.TokenRawAsync(key: guess);
        var otherGuess = await other.TokenRawAsync(key: guess);
        var holder = await victim.TokenRawAsync();

        blocked.AssertCode("4297300");
        Assert.True(int.Parse(blocked.Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture) >= 1);
        otherGuess.AssertCode("4017300");
        holder.AssertCode("2007300");

        // Bad transaction signatures count against X-PARTNER-ID the same way.
        var token = await other.TokenAsync();
        var body = other.CreateBody().ToJsonString();
        for (var i = 0; i < 2; i++)
        {
            (await other.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, body, token, signedBody: "{}")).AssertCode("4012700");
        }
        (await other.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, body, token, signedBody: "{}")).AssertCode("4292700");
        (await other.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, body, token)).AssertCode("2002700");
    }

    [Fact]
    public async Task AMerchantOverItsRateOnSnapGets429xx00AndWritesNothingWhileAnotherMerchantIsServed()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:MerchantRequestsPerSecond=2");
        using var busy = await SnapMerchant.CreateAsync(gateway);
        using var quiet = await SnapMerchant.CreateAsync(gateway);
        var token = await busy.TokenAsync();
        var quietToken = await quiet.TokenAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            busy.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, busy.CreateBody().ToJsonString(), token)));

        await AssertSomeRefusedAndOnlyTheServedWrittenAsync(gateway, answers, "2002700", "4292700", "SELECT count(*) FROM payment_codes");
        (await quiet.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, quiet.CreateBody().ToJsonString(), quietToken)).AssertCode("2002700");

        // One budget for both APIs: right after the merchant's Alfa O2O requests spent it, its SNAP request is refused
        // too. (The bucket refills each second, so a refill may fall between the two: up to three tries.)
        var refusedAfterAlfa = false;
        for (var attempt = 0; attempt < 3 && !refusedAfterAlfa; attempt++)
        {
            for (var i = 0; i < 10; i++)
            {
                if ((await busy.Merchant.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-1", null)).Status == HttpStatusCode.TooManyRequests)
                {
                    break;
                }
            }
            var snap = await busy.SendAsync(HttpMethod.Post, SnapMerchant.StatusPath, busy.KeyBody(busy.Merchant.CodePrefix + "00000001").ToJsonString(), token);
            refusedAfterAlfa = snap.Code == "4292600";
        }
        Assert.True(refusedAfterAlfa, "a SNAP request right after the merchant's Alfa O2O requests spent its budget was served");
    }

    [Fact]
    public async Task AMerchantAskingForTokensOverItsRateGets4297300AndNoTokenIsIssued()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:MerchantRequestsPerSecond=2");
        using var busy = await SnapMerchant.CreateAsync(gateway);
        using var quiet = await SnapMerchant.CreateAsync(gateway);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => busy.TokenRawAsync()));

        await AssertSomeRefusedAndOnlyTheServedWrittenAsync(gateway, answers, "2007300", "4297300", "SELECT count(*) FROM snap_tokens");
        (await quiet.TokenRawAsync()).AssertCode("2007300");
    }

    /// <summary>
    /// A burst over the merchant's rate: every answer is either <paramref name="served"/> or <paramref name="refused"/>
    /// (with Retry-After), some are refused, and the rows <paramref name="countSql"/> counts are the served ones alone.
    /// </summary>
    private static async Task AssertSomeRefusedAndOnlyTheServedWrittenAsync(GatewayHost gateway, SnapResponse[] answers,
        string served, string refused, string countSql)
    {
        var limited = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, a => a.AssertCode(refused));
        Assert.True(int.Parse(limited[0].Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture) >= 1);
        var servedCount = answers.Count(a => a.Code == served);
        Assert.Equal(answers.Length, limited.Count + servedCount);
        Assert.Equal(servedCount, await gateway.CountAsync(countSql));
    }

    [Fact]
    public async Task TheSameExternalIdSentManyTimesAtOnceCreatesOneCode()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var token = await snap.TokenAsync();
        var body = snap.CreateBody().ToJsonString();
        var externalId = Guid.NewGuid().ToString("N");

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            snap.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, body, token, externalId)));

        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.Conflict, a.Status));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payment_codes"));
    }
}

/// <summary>A SNAP-created code under concurrent payment and a key given only as virtualAccountNo.</summary>
public sealed class SnapCodeTests
{
    [Fact]
    public async Task ASnapCreatedCodePaidFromManyConnectionsAtOnceHasOneWinner()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        var token = await snap.TokenAsync();
        var (code, _) = await snap.CreateCodeAsync(token);

        var payments = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.PayAsync(code, 150000)));

        Assert.Single(payments, p => p.Status == HttpStatusCode.OK);
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payments WHERE code = $c AND status = 'SUCCESS'", ("$c", code)));
        var status = await snap.SendAsync(HttpMethod.Post, SnapMerchant.StatusPath, snap.KeyBody(code).ToJsonString(), token);
        status.AssertCode("2002600");
        Assert.Equal("00", (string)status.Json["virtualAccountData"]!["paymentFlagStatus"]!);
    }

    [Fact]
    public async Task AVirtualAccountNoWithoutCustomerNoNamesTheCode()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var token = await snap.TokenAsync();
        var (code, _) = await snap.CreateCodeAsync(token);
        var body = snap.KeyBody(code);
        body["customerNo"] = null;

        var status = await snap.SendAsync(HttpMethod.Post, SnapMerchant.StatusPath, body.ToJsonString(), token);

        status.AssertCode("2002600");
        Assert.Equal(code[snap.Merchant.CodePrefix.Length..], (string)status.Json["virtualAccountData"]!["customerNo"]!);
        body["virtualAccountNo"] = "99999" + code;
        (await snap.SendAsync(HttpMethod.Post, SnapMerchant.StatusPath, body.ToJsonString(), token)).AssertCode("4042618");
    }
}
