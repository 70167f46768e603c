using System.Net;
using System.Text;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Merchants;

public sealed class AuthenticationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private TestMerchant Merchant => fixture.Merchant;

    private static string ValidBody() => System.Text.Json.JsonSerializer.Serialize(TestMerchant.ValidCreate());

    [Theory]
    [InlineData("Client-Id")]
    [InlineData("Request-Id")]
    [InlineData("Request-Timestamp")]
    [InlineData("Signature")]
    public async Task AMissingHeaderIs401NamingIt(string header)
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(), tamper: r => r.Headers.Remove(header));
        response.AssertError(HttpStatusCode.Unauthorized, "missing_header", header);
    }

    [Fact]
    public async Task AnUnknownClientIs401()
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(), tamper: r =>
        {
            r.Headers.Remove("Client-Id");
            r.Headers.Add("Client-Id", "MCH-0000-00000000000000");
        });
        response.AssertError(HttpStatusCode.Unauthorized, "unknown_client");
    }

    [Fact]
    public async Task AWrongSignatureIs401AndTheSandboxShowsTheStringItSigned()
    {
        var body = ValidBody();
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, body, requestId: "rid-1", tamper: r =>
        {
            r.Headers.Remove("Signature");
            r.Headers.Add("Signature", "HMACSHA256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        });
        response.AssertError(HttpStatusCode.Unauthorized, "invalid_signature");
        var shown = (string)response.Json["error"]!["string_to_sign"]!;
        var digest = Tunai.Signing.Signature.Digest(Encoding.UTF8.GetBytes(body));
        Assert.Equal($"Client-Id:{Merchant.ClientId}\nRequest-Id:rid-1\nRequest-Timestamp:{response.Headers.GetValueOrDefault("x") ?? Tunai.Signing.Signature.FormatTimestamp(fixture.Gateway.Time.GetUtcNow())}\nRequest-Target:{TestMerchant.CreatePath}\nDigest:{digest}", shown);
        Assert.DoesNotContain(Merchant.SecretKey, response.Body, StringComparison.Ordinal);
        Assert.Equal(0, await fixture.Gateway.CountAsync("SELECT count(*) FROM idempotency_keys WHERE request_id = 'rid-1'"));
    }

    [Fact]
    public async Task ABodyChangedAfterSigningIs401()
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(), tamper: r =>
        {
            var tampered = ValidBody().Replace("150000", "150001", StringComparison.Ordinal);
            r.Content = new StringContent(tampered, Encoding.UTF8, "application/json");
        });
        response.AssertError(HttpStatusCode.Unauthorized, "invalid_signature");
    }

    [Fact]
    public async Task ASignatureForAnotherPathIs401()
    {
        // Signed for the virtual-account path, sent to the online-to-offline path.
        var body = ValidBody();
        var rid = Guid.NewGuid().ToString();
        var ts = Tunai.Signing.Signature.FormatTimestamp(fixture.Gateway.Time.GetUtcNow());
        var other = Tunai.Signing.Signature.Compute(Merchant.SecretKey,
            new(Merchant.ClientId, rid, ts, TestMerchant.CreatePathVirtualAccount, Encoding.UTF8.GetBytes(body)));
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, body, rid, tamper: r =>
        {
            r.Headers.Remove("Signature");
            r.Headers.Add("Signature", other);
        }, timestamp: ts);
        response.AssertError(HttpStatusCode.Unauthorized, "invalid_signature");
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public async Task ATimestampOutsideFiveMinutesIs401(int seconds)
    {
        var ts = Tunai.Signing.Signature.FormatTimestamp(fixture.Gateway.Time.GetUtcNow().AddSeconds(seconds));
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(), timestamp: ts);
        response.AssertError(HttpStatusCode.Unauthorized, "stale_timestamp", "Request-Timestamp");
    }

    [Fact]
    public async Task ATimestampWithinTheWindowIsAccepted()
    {
        var ts = Tunai.Signing.Signature.FormatTimestamp(fixture.Gateway.Time.GetUtcNow().AddSeconds(-290));
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(), timestamp: ts);
        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task AnUnparseableTimestampIs401()
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(), timestamp: "yesterday");
        response.AssertError(HttpStatusCode.Unauthorized, "invalid_timestamp");
    }

    [Fact]
    public async Task ARequestIdOver128CharactersIs400()
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(), requestId: new string('r', 129));
        response.AssertError(HttpStatusCode.BadRequest, "invalid_request_id", "Request-Id");
        var ok = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(), requestId: new string('r', 128));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
    }

    [Fact]
    public async Task ABodyOver64KiBIs413()
    {
        var padding = new string('x', 64 * 1024);
        var body = $"{{\"order\":{{\"invoice_number\":\"INV-BIG\",\"amount\":1}},\"pad\":\"{padding}\"}}";
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, body);
        response.AssertError(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task AChunkedBodyOver64KiBIs413()
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, "{}", tamper: r =>
        {
            r.Content = new PushStreamContent(new string(' ', 70 * 1024) + "{}");
            r.Content.Headers.ContentType = new("application/json");
        });
        response.AssertError(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task ANonJsonContentTypeIs415(string contentType)
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(),
            tamper: r => r.Content!.Headers.ContentType = new(contentType));
        response.AssertError(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Theory]
    [InlineData("{\"order\":")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task MalformedJsonIs400(string body)
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, body);
        response.AssertError(HttpStatusCode.BadRequest, "malformed_json");
        response.AssertSignedBy(Merchant);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("null")]
    public async Task AJsonBodyThatIsNotAnObjectIs400(string body)
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, body);
        response.AssertError(HttpStatusCode.BadRequest, "malformed_json");
    }

    [Fact]
    public async Task CharsetInTheContentTypeIsAccepted()
    {
        var response = await Merchant.SendAsync(HttpMethod.Post, TestMerchant.CreatePath, ValidBody(),
            tamper: r => r.Content!.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=utf-8"));
        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    /// <summary>Sends its content without a Content-Length, as a chunked stream.</summary>
    private sealed class PushStreamContent(string text) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
