using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Merchant.AspNetCore;
using Tunai.Merchant.Snap;

namespace Tunai.Merchant.Tests;

/// <summary>
/// The gateway's SNAP side and the SDK's SNAP side together, over real HTTP: a real gateway, and a merchant's site on
/// Kestrel set up as src/Tunai.Merchant/README.md tells a merchant to (AddTunaiSnap with Tunai's public key from
/// <c>GET /snap/public-key</c>, MapTunaiSnapToken, MapTunaiSnapPayment, MapTunaiSnapInquiry), registered through the
/// admin API with <c>notification_protocol</c> SNAP. Nothing is built by hand: the gateway asks the site for its token,
/// notifies, and asks for bills; the site verifies, handles and answers.
/// </summary>
public sealed class SnapEndToEndTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<SnapPaymentNotification> _notified = new();
    private readonly ConcurrentQueue<SnapInquiryRequest> _asked = new();
    private readonly ConcurrentDictionary<string, SnapInquiryResult> _bills = new();
    private GatewayHost _gateway = null!;
    private TestStore _store = null!;
    private TestMerchant _merchant = null!;
    private SnapMerchant _snap = null!;
    private WebApplication _site = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        _store = await TestStore.CreateAsync(_gateway);
        _merchant = await _gateway.CreateMerchantAsync(new { name = "Toko SNAP E2E" });
        // Registers the merchant's key for its own token requests to Tunai: PATCH snap_public_key.
        _snap = await SnapMerchant.CreateAsync(_gateway, _merchant);
        var tunaiKey = await _gateway.Http.GetStringAsync("/snap/public-key", Ct);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddTunaiSnap(o =>
        {
            o.BaseUrl = _gateway.BaseAddress.ToString();
            o.ClientId = _merchant.ClientId;
            o.SecretKey = _merchant.SecretKey;
            o.PartnerServiceId = _merchant.CodePrefix;
            o.PrivateKey = _snap.PrivateKey.ExportPkcs8PrivateKeyPem();
            o.GatewayPublicKey = tunaiKey;
        });
        _site = builder.Build();
        _site.MapTunaiSnapToken(SnapMerchantSite.TokenPath);
        _site.MapTunaiSnapPayment(SnapMerchantSite.PaymentPath, (n, ct) =>
        {
            _notified.Enqueue(n);
            return Task.CompletedTask;
        });
        _site.MapTunaiSnapInquiry(SnapMerchantSite.InquiryPath, (r, ct) =>
        {
            _asked.Enqueue(r);
            return Task.FromResult(_bills.TryGetValue(r.PaymentCode, out var bill) ? bill : SnapInquiryResult.NotFound());
        });
        await _site.StartAsync(Ct);
        var site = new Uri(_site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        using var patched = await _gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{_merchant.ClientId}", new
        {
            notification_protocol = "SNAP",
            snap_token_url = new Uri(site, SnapMerchantSite.TokenPath).ToString(),
            snap_notification_url = new Uri(site, SnapMerchantSite.PaymentPath).ToString(),
            snap_inquiry_url = new Uri(site, SnapMerchantSite.InquiryPath).ToString(),
        }, Ct);
        Assert.True(patched.StatusCode == HttpStatusCode.OK, await patched.Content.ReadAsStringAsync(Ct));
    }

    public async ValueTask DisposeAsync()
    {
        await _site.StopAsync();
        await _site.DisposeAsync();
        _snap.Dispose();
        await _gateway.DisposeAsync();
    }

    private TunaiSnapClient Snap => _site.Services.GetRequiredService<TunaiSnapClient>();

    /// <summary>Waits until the gateway records the notification delivered; the last state (status, attempts, error) if it never is.</summary>
    private async Task<long> DeliveredAttemptsAsync(string trxId, string @event)
    {
        var (_, attempts, _) = await Eventually.WaitAsync(async () =>
            {
                var row = await _gateway.RowAsync(
                    """
                    SELECT n.status, n.attempts, n.last_error FROM notifications n JOIN payments p ON p.id = n.payment_id
                    WHERE p.trx_id = $t AND n.event = $e
                    """, ("$t", trxId), ("$e", @event));
                return ((string?)row["status"], Convert.ToInt64(row["attempts"], CultureInfo.InvariantCulture), (string?)row["last_error"]);
            },
            row => row.Item1 == "DELIVERED", $"the {@event} notification of {trxId} to be delivered");
        return attempts;
    }

    [Fact]
    public async Task ACodePaidAtTheStoreReachesThePaymentHandlerTypedAndItsReversalComesAsAReversal()
    {
        var invoice = "INV-" + Guid.NewGuid().ToString("N")[..20];
        var created = await Snap.CreateVirtualAccountAsync(new SnapCreateVaRequest
        {
            TrxId = invoice,
            Amount = 150_000,
            VirtualAccountName = "Anton Budiman",
            VirtualAccountEmail = "anton@example.com",
            ExpiredDate = DateTimeOffset.UtcNow.AddHours(2),
        }, Ct);
        var code = created.VirtualAccountData.PaymentCode;
        var trx = TestStore.NewTrxId();

        var paid = await _store.PayAsync(code, 150_000, trx);

        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        var attempts = await DeliveredAttemptsAsync(trx, "SUCCESS");
        var n = Assert.Single(_notified);
        Assert.Equal(code, n.PaymentCode);
        Assert.Equal(_merchant.CodePrefix.PadLeft(8), n.PartnerServiceId);
        Assert.Equal(code[_merchant.CodePrefix.Length..], n.CustomerNo);
        Assert.Equal(invoice, n.TrxId);
        Assert.Equal(trx, n.ReferenceNo);
        Assert.Equal(150_000, n.PaidAmount!.Rupiah);
        Assert.Equal(150_000, n.TotalAmount!.Rupiah);
        Assert.Equal("Anton Budiman", n.VirtualAccountName);
        Assert.Equal("anton@example.com", n.VirtualAccountEmail);
        Assert.Equal("PAID", n.TrxStatus);
        Assert.False(n.IsReversal);
        Assert.False(string.IsNullOrEmpty(n.ExternalId));
        Assert.Equal(1L, attempts);

        var reversed = await _store.ReverseAsync(code, trx);

        Assert.True(reversed.Status == HttpStatusCode.OK, reversed.Body);
        Assert.Equal(1L, await DeliveredAttemptsAsync(trx, "FAILED"));
        Assert.Equal(2, _notified.Count);
        var reversal = _notified.Last();
        Assert.True(reversal.IsReversal, reversal.TrxStatus);
        Assert.Equal(code, reversal.PaymentCode);
        Assert.Equal(invoice, reversal.TrxId);
        Assert.Equal(trx, reversal.ReferenceNo);
        Assert.Equal(150_000, reversal.PaidAmount!.Rupiah);
        Assert.NotEqual(n.ExternalId, reversal.ExternalId);
    }

    [Fact]
    public async Task AnUnknownCodeIsBilledByTheInquiryHandlerThenPaidAndNotified()
    {
        var code = _merchant.CodePrefix + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(CultureInfo.InvariantCulture);
        var invoice = "INV-DI-" + Guid.NewGuid().ToString("N")[..12];
        _bills[code] = SnapInquiryResult.Bill(invoice, 88_000, "Taufik Ismail", "taufik@example.com",
            ["Premi bulan Desember", "Polis 9090901234"], JsonSerializer.SerializeToElement(new { order_ref = "SO-9" }));
        var storeTrx = TestStore.NewTrxId();

        var inquiry = await _store.InquiryAsync(code, storeTrx);

        Assert.True(inquiry.Status == HttpStatusCode.OK, inquiry.Body);
        Assert.True(TestStore.StatusOf(inquiry) == "success", inquiry.Body);
        Assert.Equal(88_000, (long)inquiry.Json["order"]!["amount"]!);
        Assert.Equal(invoice, (string?)inquiry.Json["order"]!["invoice_number"]);
        Assert.Equal("Taufik Ismail", (string?)inquiry.Json["customer"]!["name"]);
        Assert.Equal("Premi bulan Desember", (string?)inquiry.Json["online_to_offline_info"]!["info"]);
        Assert.Equal("Polis 9090901234", (string?)inquiry.Json["online_to_offline_info"]!["info2"]);
        var asked = Assert.Single(_asked);
        Assert.Equal(code, asked.PaymentCode);
        Assert.Equal(_merchant.CodePrefix.PadLeft(8) + code[_merchant.CodePrefix.Length..], asked.VirtualAccountNo);
        Assert.False(string.IsNullOrEmpty(asked.InquiryRequestId));
        Assert.Equal(asked.InquiryRequestId, asked.ExternalId);

        var paid = await _store.PayAsync(code, 88_000, storeTrx);

        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        Assert.Equal(1L, await DeliveredAttemptsAsync(storeTrx, "SUCCESS"));
        var kept = await _gateway.RowAsync("SELECT additional_info FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal("SO-9", (string?)GatewayHost.Json((string)kept["additional_info"]!)["order_ref"]);
        var n = Assert.Single(_notified);
        Assert.Equal(code, n.PaymentCode);
        Assert.Equal(invoice, n.TrxId);
        Assert.Equal("taufik@example.com", n.VirtualAccountEmail);
        Assert.Equal(88_000, n.PaidAmount!.Rupiah);
        Assert.Equal("Taufik Ismail", n.VirtualAccountName);
        Assert.Equal(asked.InquiryRequestId, n.PaymentRequestId);
        Assert.Equal("PAID", n.TrxStatus);
    }

    [Fact]
    public async Task ACodeTheInquiryHandlerDoesNotKnowIsNotFoundAtTheStore()
    {
        var code = _merchant.CodePrefix + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(CultureInfo.InvariantCulture);

        var inquiry = await _store.InquiryAsync(code);

        // A decline made up by the gateway (an unsigned or unverifiable answer) would not be billing_not_found.
        Assert.True(TestStore.StatusOf(inquiry) == "billing_not_found", inquiry.Body);
        Assert.Equal(code, Assert.Single(_asked).PaymentCode);
    }
}
