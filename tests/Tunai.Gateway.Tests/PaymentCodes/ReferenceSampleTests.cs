using System.Net;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.PaymentCodes;

/// <summary>The reference's own samples, sent as it prints them.</summary>
public sealed class ReferenceSampleTests
{
    /// <summary>
    /// tests/fixtures/reference-dgpc-request.json is the reference's first "sample of request body to generate payment
    /// code" (alfa-o2o-api.txt, DGPC), copied byte for byte: the customer's e-mail as the reference's page prints it
    /// ("[email protected]"), and an override_notification_url on another host than any the merchant configured
    /// (it has none). A fresh sandbox takes it from its own merchant.
    /// </summary>
    [Fact]
    public async Task TheReferencesDgpcSampleVerbatimSucceedsInAFreshSandbox()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var clientId = (string)(await gateway.RowAsync("SELECT value FROM gateway_settings WHERE key = 'sandbox_client_id'"))["value"]!;
        Assert.Null((await gateway.RowAsync("SELECT notification_url FROM merchants WHERE client_id = $c", ("$c", clientId)))["notification_url"]);
        // Its secret key is sealed in the database and written only to data/sandbox.env: the test takes a new one.
        using var rotated = await gateway.Admin.PostAsync($"/admin/v1/merchants/{clientId}/secret-keys", null, ct);
        var keys = GatewayHost.Json(await rotated.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        var merchant = new TestMerchant(gateway, clientId, (string)keys["secret_key"]!, (string)keys["code_prefix"]!);
        var sample = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "fixtures", "reference-dgpc-request.json"), ct);
        Assert.Contains("\"override_notification_url\": \"https://another.example.com/payments/notifications\"", sample, StringComparison.Ordinal);

        var response = await merchant.SendAsync(HttpMethod.Post, "/alfa-virtual-account/v2/payment-code", sample);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        response.AssertSignedBy(merchant);
        var code = (string)response.Json["online_to_offline_info"]!["payment_code"]!;
        Assert.StartsWith(merchant.CodePrefix, code, StringComparison.Ordinal);
        Assert.Equal("INV-20210124-0001", (string)response.Json["order"]!["invoice_number"]!);
        Assert.Equal("https://another.example.com/payments/notifications", (string)response.Json["additional_info"]!["override_notification_url"]!);
        var row = await gateway.RowAsync("SELECT override_notification_url, customer_email FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal("https://another.example.com/payments/notifications", row["override_notification_url"]);
        Assert.Equal("[email protected]", row["customer_email"]);
    }
}
