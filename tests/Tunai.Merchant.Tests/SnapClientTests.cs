using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Merchant.Snap;

namespace Tunai.Merchant.Tests;

/// <summary>
/// The SNAP client as a merchant's app has it: from DI, with its real retry and signing pipeline, on the gateway's
/// clock (so a test can move time for both sides).
/// </summary>
public sealed class SnapSdk : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="pipeline">Adds handlers inside the retry loop.</param>
    /// <param name="shareClock">
    /// False keeps the system clock: the resilience handler takes its TimeProvider from DI too, and on a clock nobody
    /// moves its retry delays never end. The gateway's clock starts at the real time, so both agree while a test does
    /// not move it.
    /// </param>
    public SnapSdk(SnapMerchant merchant, RSA? privateKey = null, Action<IHttpClientBuilder>? pipeline = null, bool shareClock = true)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (shareClock)
        {
            services.AddSingleton<TimeProvider>(merchant.Gateway.Time);
        }
        var builder = services.AddTunaiSnap(o =>
        {
            o.BaseUrl = merchant.Gateway.BaseAddress.ToString();
            o.ClientId = merchant.Merchant.ClientId;
            o.SecretKey = merchant.Merchant.SecretKey;
            o.PartnerServiceId = merchant.Merchant.CodePrefix;
            o.PrivateKey = (privateKey ?? merchant.PrivateKey).ExportPkcs8PrivateKeyPem();
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
        });
        pipeline?.Invoke(builder);
        _services = services.BuildServiceProvider(validateScopes: true);
    }

    /// <summary>A client as DI gives it: a new instance each time, sharing the container's token.</summary>
    public TunaiSnapClient Client => _services.GetRequiredService<TunaiSnapClient>();

    public void Dispose() => _services.Dispose();
}

/// <summary>One gateway and one SNAP merchant for the SNAP client tests; each test makes its own codes.</summary>
public sealed class SnapClientFixture : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public SnapMerchant Snap { get; private set; } = null!;

    public TestStore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync();
        Snap = await SnapMerchant.CreateAsync(Gateway);
        Store = await TestStore.CreateAsync(Gateway);
    }

    public async ValueTask DisposeAsync()
    {
        Snap.Dispose();
        await Gateway.DisposeAsync();
    }
}

/// <summary><see cref="TunaiSnapClient"/> against a real gateway over HTTP: token, create, update, status, delete.</summary>
public sealed class SnapClientTests(SnapClientFixture fixture) : IClassFixture<SnapClientFixture>
{
    private GatewayHost Gateway => fixture.Gateway;

    private SnapMerchant Snap => fixture.Snap;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewTrxId() => "INV-" + Guid.NewGuid().ToString("N")[..20];

    private static string NewCustomerNo() => Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(CultureInfo.InvariantCulture);

    private SnapCreateVaRequest NewVa(string? customerNo = null) => new()
    {
        TrxId = NewTrxId(),
        Amount = 150_000,
        VirtualAccountName = "Anton Budiman",
        VirtualAccountEmail = "anton@example.com",
        VirtualAccountPhone = "081234567890",
        CustomerNo = customerNo,
        ExpiredDate = Gateway.Time.GetUtcNow().AddHours(2),
        FreeText = ["Toko Demo"],
    };

    private Task<Dictionary<string, object?>> CodeRowAsync(string code) =>
        Gateway.RowAsync("SELECT kind, status, amount, invoice_number, customer_name, info, expires_at FROM payment_codes WHERE code = $c", ("$c", code));

    [Fact]
    public async Task ACreateWithoutCustomerNoMakesAGatewayDrawnCode()
    {
        using var sdk = new SnapSdk(Snap);
        var request = NewVa();

        var created = await sdk.Client.CreateVirtualAccountAsync(request, Ct);

        Assert.Equal("2002700", created.ResponseCode);
        var va = created.VirtualAccountData;
        Assert.Equal(Snap.PartnerServiceId, va.PartnerServiceId);
        Assert.Equal(va.PartnerServiceId + va.CustomerNo, va.VirtualAccountNo);
        Assert.StartsWith(Snap.Merchant.CodePrefix, va.PaymentCode, StringComparison.Ordinal);
        Assert.Equal(150_000, va.TotalAmount!.Rupiah);
        Assert.Equal("ALFAMART", va.AdditionalInfo!.Channel);
        Assert.Contains(va.PaymentCode, va.AdditionalInfo.HowToPayPage, StringComparison.Ordinal);
        Assert.False(created.Replayed);
        var row = await CodeRowAsync(va.PaymentCode);
        Assert.Equal("DGPC", row["kind"]);
        Assert.Equal(request.TrxId, row["invoice_number"]);
        Assert.Equal("Toko Demo", row["info"]);
        Assert.Equal(request.ExpiredDate!.Value.ToUnixTimeMilliseconds() / 1000 * 1000, row["expires_at"]);
    }

    [Fact]
    public async Task ACreateWithACustomerNoRegistersTheMerchantsCode()
    {
        using var sdk = new SnapSdk(Snap);
        var customerNo = NewCustomerNo();

        var created = await sdk.Client.CreateVirtualAccountAsync(NewVa(customerNo), Ct);

        Assert.Equal(customerNo, created.VirtualAccountData.CustomerNo);
        Assert.Equal("MGPC", (await CodeRowAsync(Snap.Merchant.CodePrefix + customerNo))["kind"]);
    }

    [Fact]
    public async Task AnUpdateChangesTheCodeAndTheStatusFollowsItUntilPaid()
    {
        using var sdk = new SnapSdk(Snap);
        var request = NewVa();
        var va = (await sdk.Client.CreateVirtualAccountAsync(request, Ct)).VirtualAccountData;

        var updated = await sdk.Client.UpdateVirtualAccountAsync(new SnapUpdateVaRequest
        {
            CustomerNo = va.CustomerNo,
            TrxId = request.TrxId,
            Amount = 175_000,
            VirtualAccountName = "Budi Santoso",
        }, Ct);

        Assert.Equal("2002800", updated.ResponseCode);
        Assert.Equal(175_000, updated.VirtualAccountData.TotalAmount!.Rupiah);
        var row = await CodeRowAsync(va.PaymentCode);
        Assert.Equal((175_000L, "Budi Santoso"), ((long)row["amount"]!, (string)row["customer_name"]!));

        var unpaid = await sdk.Client.GetVirtualAccountStatusAsync(va.CustomerNo, Ct);
        Assert.Equal("2002600", unpaid.ResponseCode);
        Assert.False(unpaid.IsPaid);
        Assert.Equal("ACTIVE", unpaid.AdditionalInfo!.TrxStatus);
        Assert.Equal(0, unpaid.VirtualAccountData.PaidAmount!.Rupiah);

        var trx = TestStore.NewTrxId();
        var paid = await fixture.Store.PayAsync(va.PaymentCode, 175_000, trx);
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);

        var status = await sdk.Client.GetVirtualAccountStatusAsync(va.CustomerNo, Ct);
        Assert.True(status.IsPaid);
        Assert.Equal(175_000, status.VirtualAccountData.PaidAmount!.Rupiah);
        Assert.Equal(trx, status.VirtualAccountData.ReferenceNo);
        Assert.Equal("PAID", status.AdditionalInfo!.TrxStatus);
    }

    [Fact]
    public async Task ADeleteCancelsTheCodeAndASecondOneIsRefusedWithItsResponseCode()
    {
        using var sdk = new SnapSdk(Snap);
        var request = NewVa();
        var va = (await sdk.Client.CreateVirtualAccountAsync(request, Ct)).VirtualAccountData;

        var deleted = await sdk.Client.DeleteVirtualAccountAsync(va.CustomerNo, request.TrxId, Ct);

        Assert.Equal("2003100", deleted.ResponseCode);
        Assert.Equal("CANCELLED", (await CodeRowAsync(va.PaymentCode))["status"]);
        var again = await Assert.ThrowsAsync<TunaiSnapException>(() => sdk.Client.DeleteVirtualAccountAsync(va.CustomerNo, request.TrxId, Ct));
        Assert.Equal(("4043119", HttpStatusCode.NotFound, "19"), (again.ResponseCode, again.StatusCode, again.CaseCode));
        Assert.NotNull(again.ExternalId);
    }

    [Fact]
    public async Task ARefusalIsSurfacedWithTheStandardResponseCode()
    {
        using var sdk = new SnapSdk(Snap);
        var request = NewVa();
        await sdk.Client.CreateVirtualAccountAsync(request, Ct);

        var duplicate = await Assert.ThrowsAsync<TunaiSnapException>(() => sdk.Client.CreateVirtualAccountAsync(NewVa() with { TrxId = request.TrxId }, Ct));
        Assert.Equal(("4092701", HttpStatusCode.Conflict), (duplicate.ResponseCode, duplicate.StatusCode));

        var unknown = await Assert.ThrowsAsync<TunaiSnapException>(() => sdk.Client.GetVirtualAccountStatusAsync("99999999998", Ct));
        Assert.Equal("4042612", unknown.ResponseCode);
    }

    [Fact]
    public async Task ACreateWhoseAnswerWasLostIsRetriedUnderTheSameExternalIdAndMakesOneCode()
    {
        var lose = new LoseFirstSnapAnswer();
        using var sdk = new SnapSdk(Snap, pipeline: b => b.AddHttpMessageHandler(() => lose), shareClock: false);
        var request = NewVa();

        var created = await sdk.Client.CreateVirtualAccountAsync(request, Ct);

        Assert.Equal(2, lose.Attempts.Count);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Conflict), (lose.Attempts[0].Status, lose.Attempts[1].Status));
        Assert.Equal(lose.Attempts[0].ExternalId, lose.Attempts[1].ExternalId);
        Assert.Equal(lose.Attempts[0].Body, lose.Attempts[1].Body);
        Assert.True(created.Replayed);
        Assert.Equal(created.ExternalId, lose.Attempts[0].ExternalId);
        Assert.Equal(1, await Gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE invoice_number = $i", ("$i", request.TrxId)));
        Assert.Equal("DGPC", (await CodeRowAsync(created.VirtualAccountData.PaymentCode))["kind"]);
    }

    [Fact]
    public async Task ATokenSignedWithAnotherKeyIsRefusedWith4017300()
    {
        using var other = RSA.Create(2048);
        using var sdk = new SnapSdk(Snap, other);

        var refused = await Assert.ThrowsAsync<TunaiSnapException>(() => sdk.Client.CreateVirtualAccountAsync(NewVa(), Ct));

        Assert.Equal(("4017300", HttpStatusCode.Unauthorized), (refused.ResponseCode, refused.StatusCode));
        Assert.Null(refused.ExternalId);
    }
}

/// <summary>The SNAP options are checked when the host starts.</summary>
public sealed class SnapOptionsTests
{
    [Fact]
    public void AMissingPrivateKeyOrAPublicKeyInItsPlaceFailsAtStart()
    {
        using var rsa = RSA.Create(2048);
        foreach (var (key, expected) in new[] { ((string?)null, "PrivateKey (or PrivateKeyFile) is required"), (rsa.ExportSubjectPublicKeyInfoPem(), "PrivateKey is not a readable RSA private key") })
        {
            var services = new ServiceCollection();
            services.AddTunaiSnap(o =>
            {
                o.BaseUrl = "http://127.0.0.1:5080";
                o.ClientId = "MCH-1";
                o.SecretKey = "SK-1";
                o.PartnerServiceId = "88965";
                o.PrivateKey = key;
            });
            using var provider = services.BuildServiceProvider();

            var failed = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
                () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<TunaiSnapOptions>>().Value);
            Assert.Contains(failed.Failures, f => f.Contains(expected, StringComparison.Ordinal));
        }
    }
}

/// <summary>The token's life: obtained once, renewed before it expires, requested once under concurrency, replaced when forgotten.</summary>
public sealed class SnapTokenLifeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SnapCreateVaRequest NewVa(GatewayHost gateway) => new()
    {
        TrxId = "INV-" + Guid.NewGuid().ToString("N")[..20],
        Amount = 150_000,
        VirtualAccountName = "Anton Budiman",
        VirtualAccountEmail = "anton@example.com",
        VirtualAccountPhone = "081234567890",
        ExpiredDate = gateway.Time.GetUtcNow().AddHours(2),
    };

    private static Task<long> TokensAsync(SnapMerchant snap) => snap.Gateway.CountAsync(
        "SELECT count(*) FROM snap_tokens t JOIN merchants m ON m.id = t.merchant_id WHERE m.client_id = $c", ("$c", snap.Merchant.ClientId));

    [Fact]
    public async Task OneTokenServesEveryCallAndIsRenewedShortlyBeforeItExpires()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        using var sdk = new SnapSdk(snap);
        var first = await sdk.Client.GetAccessTokenAsync(Ct);
        var va = (await sdk.Client.CreateVirtualAccountAsync(NewVa(gateway), Ct)).VirtualAccountData;
        await sdk.Client.GetVirtualAccountStatusAsync(va.CustomerNo, Ct);
        Assert.Equal(1, await TokensAsync(snap));

        // 900 s tokens, renewed a minute before: at 13 minutes the same one, at 14.5 a new one.
        gateway.Time.Advance(TimeSpan.FromMinutes(13));
        Assert.Equal(first, await sdk.Client.GetAccessTokenAsync(Ct));
        gateway.Time.Advance(TimeSpan.FromSeconds(90));
        var second = await sdk.Client.GetAccessTokenAsync(Ct);

        Assert.NotEqual(first, second);
        Assert.Equal(2, await TokensAsync(snap));
        Assert.Equal("2002600", (await sdk.Client.GetVirtualAccountStatusAsync(va.CustomerNo, Ct)).ResponseCode);
        Assert.Equal(second, await sdk.Client.GetAccessTokenAsync(Ct));
    }

    [Fact]
    public async Task ManyParallelCallsShareOneTokenRequest()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        using var sdk = new SnapSdk(snap);

        var calls = Enumerable.Range(0, 24).Select(_ => Task.Run(() => sdk.Client.CreateVirtualAccountAsync(NewVa(gateway), Ct), Ct)).ToList();
        var answers = await Task.WhenAll(calls);

        Assert.All(answers, a => Assert.Equal("2002700", a.ResponseCode));
        Assert.Equal(24, answers.Select(a => a.VirtualAccountData.CustomerNo).Distinct().Count());
        Assert.Equal(1, await TokensAsync(snap));
    }

    [Fact]
    public async Task ATokenTheGatewayNoLongerKnowsIsReplacedAndTheCallGoesThrough()
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        using var sdk = new SnapSdk(snap);
        var first = await sdk.Client.GetAccessTokenAsync(Ct);
        await gateway.ExecuteAsync("DELETE FROM snap_tokens");

        var created = await sdk.Client.CreateVirtualAccountAsync(NewVa(gateway), Ct);

        Assert.Equal("2002700", created.ResponseCode);
        Assert.NotEqual(first, await sdk.Client.GetAccessTokenAsync(Ct));
        Assert.Equal(1, await TokensAsync(snap));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE invoice_number = $i", ("$i", created.VirtualAccountData.TrxId!)));
    }
}

/// <summary>Loses the answer to the first SNAP transaction (the token request passes), as a reset connection would.</summary>
public sealed class LoseFirstSnapAnswer : DelegatingHandler
{
    public List<(string ExternalId, byte[] Body, string Signature, HttpStatusCode Status)> Attempts { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.TryGetValues(Tunai.Signing.SnapHeaders.ExternalId, out var ids))
        {
            return await base.SendAsync(request, cancellationToken);
        }
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var signature = request.Headers.GetValues(Tunai.Signing.SnapHeaders.Signature).Single();
        var response = await base.SendAsync(request, cancellationToken);
        lock (Attempts)
        {
            Attempts.Add((ids.Single(), body, signature, response.StatusCode));
            if (Attempts.Count == 1)
            {
                response.Dispose();
                throw new HttpRequestException("connection reset after the request was sent (injected)");
            }
        }
        return response;
    }
}
