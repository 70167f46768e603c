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
