using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>Text that shows one thing and means another: invisible and direction characters, NUL, line breaks.</summary>
public sealed class TextMeaningTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>Each shows as nothing, or turns the text around (U+202E makes "INV-[RLO]fdp.exe" read "INV-exe.pdf").</summary>
    [Theory]
    [InlineData('\u200B')]
    [InlineData('\u200F')]
    [InlineData('\u2028')]
    [InlineData('\u202E')]
    [InlineData('\u2066')]
    [InlineData('\u2069')]
    public async Task FormatAndDirectionCharactersAreRefusedWhereControlCharactersAre(char c)
    {
        var merchant = await _gateway.CreateMerchantAsync();

        (await merchant.CreateAsync(TestMerchant.ValidCreate(invoice: $"INV-{c}fdp.exe")))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "order.invoice_number");
        var body = TestMerchant.ValidCreate();
        ((Dictionary<string, object?>)body["customer"]!)["name"] = $"Anton{c}Budiman";
        (await merchant.CreateAsync(body)).AssertError(HttpStatusCode.BadRequest, "invalid_field", "customer.name");
        using var named = await _gateway.Admin.PostAsJsonAsync("/admin/v1/merchants", new { name = $"Toko{c}" });
        Assert.Equal(HttpStatusCode.BadRequest, named.StatusCode);
        // The same text without the character is taken.
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate(invoice: $"INV-{Guid.NewGuid():N}"[..20]))).Status);
    }

    [Theory]
    [InlineData("/admin/v1/merchants/MCH%00x")]
    [InlineData("/admin/v1/payment-codes?client_id=%00")]
    [InlineData("/admin/v1/payment-codes?status=PAID%00")]
    [InlineData("/admin/v1/notifications?client_id=a%00b")]
    [InlineData("/admin/v1/reports/transactions?client_id=%00&from=2026-11-30&to=2026-11-30")]
    [InlineData("/admin/v1/settlements?client_id=%00")]
    [InlineData("/admin/v1/acquirers/%00/reconciliations")]
    public async Task ANulInAnAdminPathOrQueryIs400(string path)
    {
        using var response = await _gateway.Admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/backoffice/search?q=%00")]
    [InlineData("/backoffice/search?q=INV%00")]
    [InlineData("/backoffice/notifications?merchant=%00")]
    [InlineData("/backoffice/audit?actor=%00&action=x")]
    [InlineData("/backoffice/settlements?merchant=%00")]
    [InlineData("/backoffice/keys?merchant=%00")]
    [InlineData("/backoffice/codes/%00")]
    [InlineData("/backoffice/merchants/%00")]
    public async Task ANulInABackOfficeQueryIs400(string path)
    {
        using var client = new BackOfficeHttp(_gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync(await BackOfficeAccounts.AddAsync(_gateway, Roles.Admin), BackOfficeAccounts.Password)).Status);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(path)).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/backoffice/search?q=INV")).Status);
    }

    [Theory]
    [InlineData("/backoffice%0D%0ASet-Cookie:%20x=1")]
    [InlineData("/backoffice/codes%0A")]
    [InlineData("/backoffice/caf%C3%A9")]
    public async Task ALanguageSwitchBackToALineBreakOrNonAsciiIs400(string back)
    {
        using var response = await _gateway.Http.GetAsync($"/backoffice/language/id?back={back}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _gateway.BaseAddress };
        using var fine = await plain.GetAsync("/backoffice/language/id?back=/backoffice/codes");
        Assert.Equal(HttpStatusCode.Redirect, fine.StatusCode);
        Assert.Equal("/backoffice/codes", fine.Headers.Location!.OriginalString);
    }
}

/// <summary>A log line cannot be forged from the outside: what a caller sends is escaped in the console's lines.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class LogForgingTests
{
    [Fact]
    public async Task LineBreaksInAPathAndEscapesInAClientIdAreEscapedOnTheConsole()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path, "--Tunai:PrintSandboxCredentials=false");
        await gateway.WaitUntilReadyAsync(ct);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        // A signed route with a wrong signature: the gateway logs the failure with its path and Client-Id.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/v1/status/INV-1%0D%0Awarn:%20FORGED-PATH-LINE");
        request.Headers.TryAddWithoutValidation(Tunai.Signing.SignatureHeaders.ClientId, "MCH-\u001b[2J\u001b[31mFORGED-ESC");
        request.Headers.TryAddWithoutValidation(Tunai.Signing.SignatureHeaders.RequestTimestamp, DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(Tunai.Signing.SignatureHeaders.Signature, "HMACSHA256=AAAA");
        using var response = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var output = await gateway.WaitForOutputAsync(o => o.Contains("FORGED-PATH-LINE", StringComparison.Ordinal), ct);
        Assert.DoesNotContain(output.Split('\n'), line => line.TrimStart().StartsWith("warn: FORGED-PATH-LINE", StringComparison.Ordinal));
        Assert.Contains("INV-1\\r\\nwarn: FORGED-PATH-LINE", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', gateway.StandardOutput);
        Assert.Contains("\\u001B[2J", output, StringComparison.Ordinal);
    }
}
