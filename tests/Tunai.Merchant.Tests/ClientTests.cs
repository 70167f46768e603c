using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Merchant.Tests;

/// <summary>One gateway, one merchant and one store for the client tests; each test uses its own invoices.</summary>
public sealed class ClientFixture : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public TestMerchant Merchant { get; private set; } = null!;

    public TestStore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync();
        Merchant = await Gateway.CreateMerchantAsync(new { name = "Toko SDK" });
        Store = await TestStore.CreateAsync(Gateway);
    }

    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}

/// <summary>The SDK's client against a real gateway (Kestrel, SQLite) over HTTP.</summary>
public sealed class ClientTests(ClientFixture fixture) : IClassFixture<ClientFixture>
{
    private GatewayHost Gateway => fixture.Gateway;

    private TestMerchant Merchant => fixture.Merchant;

    private static string NewInvoice() => "INV-" + Guid.NewGuid().ToString("N")[..20];

    private static CreatePaymentCodeRequest NewCode(string? invoice = null, long amount = 150000, string? code = null) => new()
    {
        InvoiceNumber = invoice ?? NewInvoice(),
        Amount = amount,
        CustomerName = "Anton Budiman",
        CustomerEmail = "anton@example.com",
        Info = "Merchant Demo Store",
        PaymentCode = code,
    };

    /// <summary>The gateway's own record of the merchant's codes for an invoice (admin API).</summary>
    private async Task<JsonArray> CodesOfAsync(string invoice)
    {
        var text = await Gateway.Admin.GetStringAsync($"/admin/v1/payment-codes?client_id={Merchant.ClientId}&invoice_number={invoice}");
        return GatewayHost.Json(text)["data"]!.AsArray();
    }

    [Fact]
    public async Task CreatesAGatewayGeneratedCode()
    {
        using var sdk = new SdkClient(Gateway, Merchant);
        var request = NewCode();

        var created = await sdk.Client.CreatePaymentCodeAsync(request, TestContext.Current.CancellationToken);

        Assert.StartsWith(Merchant.CodePrefix, created.PaymentCode, StringComparison.Ordinal);
        Assert.Equal(request.InvoiceNumber, created.InvoiceNumber);
        Assert.False(created.Replayed);
        Assert.Contains(created.PaymentCode, created.HowToPayPage.ToString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(60), created.ExpiresAt - created.CreatedAt);
        var stored = Assert.Single(await CodesOfAsync(request.InvoiceNumber));
        Assert.Equal("DGPC", (string)stored!["kind"]!);
        Assert.Equal(created.RequestId, (string)stored["request_id"]!);
        using var page = await Gateway.Http.GetAsync(created.HowToPayPage, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task CreatesAMerchantGeneratedCode()
    {
        using var sdk = new SdkClient(Gateway, Merchant);
        var code = Merchant.CodePrefix + string.Concat(Enumerable.Range(0, 16 - Merchant.CodePrefix.Length).Select(_ => (char)('0' + Random.Shared.Next(10))));

        var created = await sdk.Client.CreatePaymentCodeAsync(NewCode(code: code), TestContext.Current.CancellationToken);

        Assert.Equal(code, created.PaymentCode);
        Assert.Equal("MGPC", (string)Assert.Single(await CodesOfAsync(created.InvoiceNumber))!["kind"]!);
    }

    [Fact]
    public async Task UpdatesAmountAndExpiry()
    {
        using var sdk = new SdkClient(Gateway, Merchant);
        var created = await sdk.Client.CreatePaymentCodeAsync(NewCode(), TestContext.Current.CancellationToken);

        var updated = await sdk.Client.UpdatePaymentCodeAsync(new UpdatePaymentCodeRequest
        {
            PaymentCode = created.PaymentCode,
            Amount = 175000,
            ExpiredMinutes = 120,
        }, TestContext.Current.CancellationToken);

        Assert.Equal(created.PaymentCode, updated.PaymentCode);
        Assert.InRange(Math.Abs(Gateway.Time.GetUtcNow().AddMinutes(120).ToUnixTimeSeconds() - updated.ExpiresAt.ToUnixTimeSeconds()), 0, 1);
        Assert.Equal(175000, (long)Assert.Single(await CodesOfAsync(created.InvoiceNumber))!["amount"]!);
    }

    [Fact]
    public async Task SendsTheTillsSecondAndThirdLinesAndReplacesAdditionalInfoOnUpdate()
    {
        using var sdk = new SdkClient(Gateway, Merchant);
        var created = await sdk.Client.CreatePaymentCodeAsync(NewCode() with { Info2 = "Pesanan #12", Info3 = "Kirim besok" },
            TestContext.Current.CancellationToken);
        var stored = await Gateway.RowAsync("SELECT info2, info3, additional_info FROM payment_codes WHERE code = $c", ("$c", created.PaymentCode));
        Assert.Equal("Pesanan #12", stored["info2"]);
        Assert.Equal("Kirim besok", stored["info3"]);

        using var additional = System.Text.Json.JsonDocument.Parse("""{"channel":"app","order_ref":"A-77"}""");
        await sdk.Client.UpdatePaymentCodeAsync(new UpdatePaymentCodeRequest
        {
            PaymentCode = created.PaymentCode,
            Info2 = "Pesanan #13",
            AdditionalInfo = additional.RootElement,
        }, TestContext.Current.CancellationToken);

        var updated = await Gateway.RowAsync("SELECT info2, info3, additional_info FROM payment_codes WHERE code = $c", ("$c", created.PaymentCode));
        Assert.Equal("Pesanan #13", updated["info2"]);
        Assert.Equal("Kirim besok", updated["info3"]);
        var kept = System.Text.Json.Nodes.JsonNode.Parse((string)updated["additional_info"]!)!;
        Assert.Equal("A-77", (string?)kept["order_ref"]);
        Assert.Equal("app", (string?)kept["channel"]);
    }

    [Fact]
    public async Task CancelsACodeAndACancelledCodeIsATypedError()
    {
        using var sdk = new SdkClient(Gateway, Merchant);
        var created = await sdk.Client.CreatePaymentCodeAsync(NewCode(), TestContext.Current.CancellationToken);

        await sdk.Client.CancelPaymentCodeAsync(created.PaymentCode, TestContext.Current.CancellationToken);

        Assert.Equal("CANCELLED", (string)Assert.Single(await CodesOfAsync(created.InvoiceNumber))!["status"]!);
        var again = await Assert.ThrowsAsync<TunaiApiException>(() => sdk.Client.CancelPaymentCodeAsync(created.PaymentCode, TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("payment_code_cancelled", again.Code);
        Assert.Equal("online_to_offline_info.payment_code", again.Field);
    }

    [Fact]
    public async Task StatusIsPendingThenSuccessOncePaidAtTheStore()
    {
        using var sdk = new SdkClient(Gateway, Merchant);
        var created = await sdk.Client.CreatePaymentCodeAsync(NewCode(amount: 50000), TestContext.Current.CancellationToken);

        var pending = await sdk.Client.GetOrderStatusAsync(created.InvoiceNumber, TestContext.Current.CancellationToken);
        Assert.Equal(TransactionStatus.Pending, pending.Status);
        Assert.Equal(created.PaymentCode, pending.PaymentCode);
        Assert.Equal(created.RequestId, pending.OriginalRequestId);
        Assert.Null(pending.Payment);

        Assert.Equal(HttpStatusCode.OK, (await fixture.Store.PayAsync(created.PaymentCode, 50000, "TRX-SDK-1")).Status);

        var paid = await sdk.Client.GetOrderStatusAsync(created.InvoiceNumber, TestContext.Current.CancellationToken);
        Assert.Equal(TransactionStatus.Success, paid.Status);
        Assert.Equal(50000, paid.Amount);
        Assert.Contains(paid.Payment!.Identifiers, i => i is { Name: "AGENT_TRX_ID", Value: "TRX-SDK-1" });
    }

    [Fact]
    public async Task StatusOfAnInvoiceWithSlashesAndOfAnUnknownOne()
    {
        using var sdk = new SdkClient(Gateway, Merchant);
        var invoice = $"INV/2026/{Random.Shared.Next(100000)}/0001";
        await sdk.Client.CreatePaymentCodeAsync(NewCode(invoice), TestContext.Current.CancellationToken);

        Assert.Equal(invoice, (await sdk.Client.GetOrderStatusAsync(invoice, TestContext.Current.CancellationToken)).InvoiceNumber);
        var unknown = await Assert.ThrowsAsync<TunaiApiException>(() => sdk.Client.GetOrderStatusAsync(NewInvoice(), TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("order_not_found", unknown.Code);
    }

    [Fact]
    public async Task ACreateWhoseAnswerWasLostIsRetriedAndMakesExactlyOneCode()
    {
        var lose = new LoseFirstAnswer();
        using var sdk = new SdkClient(Gateway, Merchant, b => b.AddHttpMessageHandler(() => lose));
        var request = NewCode();

        var created = await sdk.Client.CreatePaymentCodeAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(2, lose.Attempts.Count);
        Assert.Equal(HttpStatusCode.OK, lose.Attempts[0].Status);
        Assert.Equal(HttpStatusCode.Conflict, lose.Attempts[1].Status);
        Assert.Equal(lose.Attempts[0].RequestId, lose.Attempts[1].RequestId);
        Assert.Equal(lose.Attempts[0].Body, lose.Attempts[1].Body);
        Assert.True(created.Replayed);
        var stored = Assert.Single(await CodesOfAsync(request.InvoiceNumber));
        Assert.Equal(created.PaymentCode, (string)stored!["payment_code"]!);
        Assert.Equal(created.RequestId, lose.Attempts[0].RequestId);
    }

    [Fact]
    public async Task RefusalsAreTypedWithTheGatewaysCodeAndField()
    {
        using var sdk = new SdkClient(Gateway, Merchant);
        var first = await sdk.Client.CreatePaymentCodeAsync(NewCode(), TestContext.Current.CancellationToken);

        var taken = await Assert.ThrowsAsync<TunaiApiException>(() => sdk.Client.CreatePaymentCodeAsync(NewCode(first.InvoiceNumber), TestContext.Current.CancellationToken));
        var invalid = await Assert.ThrowsAsync<TunaiApiException>(() => sdk.Client.CreatePaymentCodeAsync(NewCode(amount: 0), TestContext.Current.CancellationToken));

        Assert.Equal((HttpStatusCode.BadRequest, "invoice_number_in_use", "order.invoice_number"), (taken.StatusCode, taken.Code, taken.Field));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_field", "order.amount"), (invalid.StatusCode, invalid.Code, invalid.Field));
        Assert.False(string.IsNullOrWhiteSpace(invalid.ErrorMessage));
    }

    [Fact]
    public async Task WrongCredentialsAreA401Error()
    {
        var stranger = new TestMerchant(Gateway, Merchant.ClientId, "SK-not-the-secret", Merchant.CodePrefix);
        using var sdk = new SdkClient(Gateway, stranger);

        var refused = await Assert.ThrowsAsync<TunaiApiException>(() => sdk.Client.CreatePaymentCodeAsync(NewCode(), TestContext.Current.CancellationToken));

        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_signature"), (refused.StatusCode, refused.Code));
    }

    [Fact]
    public async Task AnAnswerWithATamperedBodyIsRefused()
    {
        var tamper = new TamperAnswer(body => body.Replace("\"payment_code\":\"", "\"payment_code\":\"9", StringComparison.Ordinal));
        using var sdk = new SdkClient(Gateway, Merchant, b => b.AddHttpMessageHandler(() => tamper));

        await Assert.ThrowsAsync<TunaiSignatureException>(() => sdk.Client.CreatePaymentCodeAsync(NewCode(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AnAnswerSignedWithAnotherKeyIsRefused()
    {
        var tamper = new TamperAnswer(body => body, response =>
        {
            response.Headers.Remove("Signature");
            response.Headers.TryAddWithoutValidation("Signature", "HMACSHA256=" + Convert.ToBase64String(new byte[32]));
        });
        using var sdk = new SdkClient(Gateway, Merchant, b => b.AddHttpMessageHandler(() => tamper));

        await Assert.ThrowsAsync<TunaiSignatureException>(() => sdk.Client.GetOrderStatusAsync("INV-none", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task OptionsAreValidatedWhenTheHostStarts()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddTunaiMerchant(o => o.BaseUrl = "not a url");
        await using var app = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(failure.Failures, f => f.Contains("BaseUrl", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, f => f.Contains("SecretKey", StringComparison.Ordinal));
    }
}

/// <summary>
/// A network failure after the gateway did the work: the first attempt reaches the gateway and is answered,
/// then the answer is dropped and the caller sees a connection error, as when a proxy resets the connection.
/// </summary>
public sealed class LoseFirstAnswer : DelegatingHandler
{
    public List<(string RequestId, byte[] Body, HttpStatusCode Status)> Attempts { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        lock (Attempts)
        {
            Attempts.Add((request.Headers.GetValues("Request-Id").Single(), body, response.StatusCode));
            if (Attempts.Count == 1)
            {
                response.Dispose();
                throw new HttpRequestException("connection reset after the request was sent (injected)");
            }
        }
        return response;
    }
}

/// <summary>Changes the gateway's answer on its way back, as a man in the middle would.</summary>
public sealed class TamperAnswer(Func<string, string> body, Action<HttpResponseMessage>? headers = null) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var contentType = response.Content.Headers.ContentType;
        response.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body(text)));
        response.Content.Headers.ContentType = contentType;
        headers?.Invoke(response);
        return response;
    }
}
