using System.Net;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>What a browser may do with the gateway's answers: run only the page's own script, never sniff JSON as HTML.</summary>
public sealed class BrowserFacingTests(GatewayFixture fixture, Browser browser) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    [Fact]
    public async Task AnInjectedInlineScriptCannotRunOnTheHowToPayPageWhileItsOwnScriptDoes()
    {
        var (_, created) = await Merchant.CreateCodeAsync();
        var url = (string)created["online_to_offline_info"]!["how_to_pay_page"]!;
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(url);

        var csp = response!.Headers["content-security-policy"];
        var scriptSrc = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src ", StringComparison.Ordinal));
        Assert.DoesNotContain("unsafe-inline", scriptSrc, StringComparison.Ordinal);
        // Whatever slipped into the page as markup: an inline script and an inline handler are refused.
        await page.EvaluateAsync("""
            () => {
              const s = document.createElement('script'); s.textContent = 'window.pwned = 1'; document.body.appendChild(s);
              const b = document.createElement('button'); b.id = 'evil'; b.setAttribute('onclick', 'window.pwned = 2'); document.body.appendChild(b);
            }
            """);
        await page.ClickAsync("#evil");
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.pwned"));
        // The page's own script (allowed by its hash) still wires the print button and runs the countdown.
        await page.EvaluateAsync("() => { window.print = () => { window.printed = true; }; }");
        await page.ClickAsync("#print");
        Assert.True(await page.EvaluateAsync<bool>("() => window.printed === true"));
    }

    [Fact]
    public async Task AMerchantEchoedScriptTagCannotBreakOutOfAPageThatEmbedsTheJson()
    {
        var body = TestMerchant.ValidCreate();
        body["additional_info"] = new Dictionary<string, object?>
        {
            ["insurance_info"] = new Dictionary<string, object?> { ["note"] = "</script><img src=x onerror=alert(1)>" },
        };

        var response = await Merchant.CreateAsync(body);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.DoesNotContain('<', response.Body);
        Assert.DoesNotContain('>', response.Body);
        Assert.Contains("\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e", response.Body, StringComparison.Ordinal);
        Assert.Equal("</script><img src=x onerror=alert(1)>", (string)response.Json["additional_info"]!["insurance_info"]!["note"]!);
        response.AssertSignedBy(Merchant);
        Assert.Equal("nosniff", response.Headers["X-Content-Type-Options"]);
    }

    [Fact]
    public async Task EveryJsonAnswerForbidsContentSniffing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var unknownRoute = await fixture.Gateway.Http.GetAsync("/<script>", ct);
        using var unauthorized = await fixture.Gateway.Http.GetAsync("/admin/v1/payment-codes", ct);
        using var ok = await fixture.Gateway.Admin.GetAsync("/admin/v1/payment-codes?limit=1", ct);
        var refused = await Merchant.CreateRawAsync("{");

        foreach (var response in new[] { unknownRoute, unauthorized, ok })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.DoesNotContain('<', await response.Content.ReadAsStringAsync(ct));
        }
        Assert.Equal("nosniff", refused.Headers["X-Content-Type-Options"]);
    }

    /// <summary>
    /// Both do the same work (one query, one constant-time comparison against a token of the same length), which
    /// no test can time reliably; what a test can check is that nothing in the answers tells them apart.
    /// </summary>
    [Theory]
    [InlineData("/how-to-pay/v2/alfa-online-to-offline")]
    [InlineData("/alfa-online-to-offline/v2/how-to-pay-api")]
    public async Task AWrongTokenAndAnUnknownCodeGetTheSameAnswer(string prefix)
    {
        var ct = TestContext.Current.CancellationToken;
        var (code, created) = await Merchant.CreateCodeAsync();
        var token = ((string)created["online_to_offline_info"]!["how_to_pay_api"]!).Split('/')[^1];
        var wrongToken = (token[0] == 'A' ? 'B' : 'A') + token[1..];
        var unknownCode = code[..^4] + (code[^4..] == "0000" ? "0001" : "0000");

        using var wrong = await fixture.Gateway.Http.GetAsync($"{prefix}/{code}/{wrongToken}", ct);
        using var unknown = await fixture.Gateway.Http.GetAsync($"{prefix}/{unknownCode}/{token}", ct);

        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Equal(wrong.StatusCode, unknown.StatusCode);
        Assert.Equal(await wrong.Content.ReadAsStringAsync(ct), await unknown.Content.ReadAsStringAsync(ct));
        Assert.Equal(
            wrong.Headers.Concat(wrong.Content.Headers).Where(h => h.Key != "Date").Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order(),
            unknown.Headers.Concat(unknown.Content.Headers).Where(h => h.Key != "Date").Select(h => $"{h.Key}: {string.Join(",", h.Value)}").Order());
    }
}
