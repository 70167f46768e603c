using System.Net;
using System.Text;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Signing;

/// <summary>
/// The signed envelope of Tunai.Signing against tests/fixtures/signature-vectors.json (computed by the provider's
/// official Node.js library, whose one signing function writes the Request-Timestamp label on every message), and
/// the gateway's filters over HTTP with requests signed over the encoded and the decoded path.
/// </summary>
public sealed class SignedEnvelopeTests
{
    private static readonly IReadOnlyList<SignatureVector> Vectors = SignatureVectors.All;

    private static DateTimeOffset At(SignatureVector v) =>
        Signature.TryParseTimestamp(v.Timestamp, out var at) ? at : throw new InvalidOperationException(v.Timestamp);

    private static Func<string, string?> Headers(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var map = headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void EnvelopeSignsEveryVectorByteForByteAndVerifiesItAmongSeveralKeys()
    {
        foreach (var v in Vectors)
        {
            var body = Encoding.UTF8.GetBytes(v.Body);
            var signed = SignedEnvelope.SignRequest(v.ClientId, v.SecretKey, v.RequestId, At(v), v.Target, body);
            Assert.Equal(v.Signature, signed.Signature);
            Assert.Equal(v.Timestamp, signed.Timestamp);

            var (received, read) = SignedEnvelope.ReadRequest(Headers(signed.ToList()));
            Assert.True(read.IsValid, read.Detail);
            // Two candidate keys (as during a rotation): the right one is found whatever its place.
            var check = SignedEnvelope.Verify(received!, ["SK-the-other-key", v.SecretKey], v.Target, body, At(v), TimeSpan.FromMinutes(5));
            Assert.True(check.IsValid, $"{v.Name}: {check.Detail}");
            Assert.Equal(1, check.KeyIndex);
            Assert.False(SignedEnvelope.Verify(received!, ["SK-the-other-key"], v.Target, body, At(v), TimeSpan.FromMinutes(5)).IsValid);
        }
    }

    /// <summary>
    /// A merchant answering with the official library's one function signs its answer with the Request-Timestamp
    /// label: the vectors, read as answers, verify. Only the label is lenient: another key or another Request-Id fails.
    /// </summary>
    [Fact]
    public void AnAnswerVerifiesUnderEitherTimestampLabelButNeverUnderAnotherKeyOrRequestId()
    {
        foreach (var v in Vectors)
        {
            var body = Encoding.UTF8.GetBytes(v.Body);
            var asTheLibrarySends = Headers([
                new("Client-Id", v.ClientId), new("Request-Id", v.RequestId), new("Response-Timestamp", v.Timestamp), new("Signature", v.Signature)]);
            Assert.True(SignedEnvelope.VerifyResponse(asTheLibrarySends, body, v.Target, v.ClientId, v.RequestId, [v.SecretKey], At(v), TimeSpan.FromMinutes(5)).IsValid, v.Name);

            var withRequestHeader = Headers([
                new("Client-Id", v.ClientId), new("Request-Id", v.RequestId), new("Request-Timestamp", v.Timestamp), new("Signature", v.Signature)]);
            Assert.True(SignedEnvelope.VerifyResponse(withRequestHeader, body, v.Target, v.ClientId, v.RequestId, [v.SecretKey], At(v), TimeSpan.FromMinutes(5)).IsValid, v.Name);

            var asTheReferenceSays = SignedEnvelope.SignResponse(v.ClientId, v.SecretKey, v.RequestId, At(v), v.Target, body);
            Assert.NotEqual(v.Signature, asTheReferenceSays.Signature);
            Assert.True(SignedEnvelope.VerifyResponse(Headers(asTheReferenceSays.ToList()), body, v.Target, v.ClientId, v.RequestId, [v.SecretKey], At(v), TimeSpan.FromMinutes(5)).IsValid);

            Assert.Equal(SignatureFailure.InvalidSignature,
                SignedEnvelope.VerifyResponse(asTheLibrarySends, body, v.Target, v.ClientId, v.RequestId, [v.SecretKey + "x"], At(v), null).Failure);
            Assert.Equal(SignatureFailure.RequestIdMismatch,
                SignedEnvelope.VerifyResponse(asTheLibrarySends, body, v.Target, v.ClientId, Guid.NewGuid().ToString(), [v.SecretKey], At(v), null).Failure);
            var tampered = (byte[])body.Clone();
            tampered[^2] ^= 1;
            Assert.Equal(SignatureFailure.InvalidSignature,
                SignedEnvelope.VerifyResponse(asTheLibrarySends, tampered, v.Target, v.ClientId, v.RequestId, [v.SecretKey], At(v), null).Failure);
        }
    }

    /// <summary>A request is not lenient about its label: a request signed with the Response-Timestamp line fails.</summary>
    [Fact]
    public void ARequestSignedWithTheResponseLabelIsRefused()
    {
        var v = Vectors[0];
        var body = Encoding.UTF8.GetBytes(v.Body);
        var wrongLabel = Signature.Compute(v.SecretKey, new SignatureInput(v.ClientId, v.RequestId, v.Timestamp, v.Target, body, IsResponse: true));
        var (received, _) = SignedEnvelope.ReadRequest(Headers([
            new("Client-Id", v.ClientId), new("Request-Id", v.RequestId), new("Request-Timestamp", v.Timestamp), new("Signature", wrongLabel)]));
        Assert.Equal(SignatureFailure.InvalidSignature, SignedEnvelope.Verify(received!, [v.SecretKey], v.Target, body, At(v), null).Failure);
    }

    [Theory]
    [InlineData("/payments/notifikasi%20pembayaran", "/payments/notifikasi pembayaran")]
    [InlineData("/toko/caf%C3%A9/notifications", "/toko/café/notifications")]
    [InlineData("/orders/v1/status/INV%2F2026%2F7%20A", "/orders/v1/status/INV/2026/7 A")]
    [InlineData("/orders/v1/status/INV%2F2026%2F7%20A", "/orders/v1/status/INV%2F2026%2F7 A")]
    public void ASignatureOverTheEncodedOrTheDecodedPathVerifies(string encoded, string decoded)
    {
        var v = Vectors[0];
        var body = Encoding.UTF8.GetBytes(v.Body);
        foreach (var signedOver in new[] { encoded, decoded })
        {
            var signature = Signature.Compute(v.SecretKey, new SignatureInput(v.ClientId, v.RequestId, v.Timestamp, signedOver, body));
            var (received, _) = SignedEnvelope.ReadRequest(Headers([
                new("Client-Id", v.ClientId), new("Request-Id", v.RequestId), new("Request-Timestamp", v.Timestamp), new("Signature", signature)]));
            Assert.True(SignedEnvelope.Verify(received!, [v.SecretKey], encoded, body, At(v), null).IsValid, signedOver);
        }
    }

    [Fact]
    public void ASignerGivenAPathWithASpaceOrANonAsciiLetterSignsItPercentEncoded()
    {
        Assert.Equal("/payments/notifikasi%20pembayaran", RequestTarget.Encode("/payments/notifikasi pembayaran"));
        Assert.Equal("/toko/caf%C3%A9/notifications", RequestTarget.Encode("/toko/café/notifications"));
        Assert.Equal("/already%20encoded", RequestTarget.Encode("/already%20encoded"));
        Assert.Equal("/toko/caf%C3%A9/notifikasi%20pembayaran", RequestTarget.Of(new Uri("https://shop.example.com/toko/café/notifikasi pembayaran?x=1")));
        Assert.Equal("/a%20b", RequestTarget.FromRawTarget("/a%20b?c=d"));
    }

    [Fact]
    public void ATimestampOutsideTheWindowIsRefusedWhateverTheLabel()
    {
        var v = Vectors[1];
        var body = Encoding.UTF8.GetBytes(v.Body);
        var headers = Headers([new("Client-Id", v.ClientId), new("Request-Id", v.RequestId), new("Response-Timestamp", v.Timestamp), new("Signature", v.Signature)]);
        foreach (var now in new[] { At(v).AddMinutes(6), At(v).AddMinutes(-6) })
        {
            var check = SignedEnvelope.VerifyResponse(headers, body, v.Target, v.ClientId, v.RequestId, [v.SecretKey], now, TimeSpan.FromMinutes(5));
            Assert.Equal(SignatureFailure.StaleTimestamp, check.Failure);
        }
        Assert.True(SignedEnvelope.VerifyResponse(headers, body, v.Target, v.ClientId, v.RequestId, [v.SecretKey], At(v).AddMinutes(4), TimeSpan.FromMinutes(5)).IsValid);
    }

    /// <summary>
    /// Check status for an invoice number with a space, a slash and a non-ASCII letter: the path travels
    /// percent-encoded. The gateway accepts the request signed over that path and over the decoded one, and signs
    /// its answer over the encoded path.
    /// </summary>
    [Fact]
    public async Task GatewayAcceptsARequestSignedOverTheEncodedOrTheDecodedPath()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync(new { name = "Toko Path" });
        var invoice = "INV 2026 Ñandú-" + Guid.NewGuid().ToString("N")[..6];
        var body = TestMerchant.ValidCreate(invoice);
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(body)).Status);

        var encoded = "/orders/v1/status/" + Uri.EscapeDataString(invoice);
        foreach (var signedOver in new[] { encoded, Uri.UnescapeDataString(encoded) })
        {
            var requestId = Guid.NewGuid().ToString();
            var signed = Signature.Compute(merchant.SecretKey, new SignatureInput(merchant.ClientId, requestId,
                Signature.FormatTimestamp(gateway.Time.GetUtcNow()), signedOver, null));
            using var request = new HttpRequestMessage(HttpMethod.Get, encoded);
            request.Headers.Add("Client-Id", merchant.ClientId);
            request.Headers.Add("Request-Id", requestId);
            request.Headers.Add("Request-Timestamp", Signature.FormatTimestamp(gateway.Time.GetUtcNow()));
            request.Headers.Add("Signature", signed);
            using var raw = await gateway.Http.SendAsync(request, TestContext.Current.CancellationToken);
            var response = await ApiResponse.ReadAsync(raw, encoded);
            Assert.True(response.Status == HttpStatusCode.OK, $"signed over {signedOver}: {response.Body}");
            Assert.Equal(invoice, (string?)response.Json["order"]!["invoice_number"]);
            // The answer is signed over the path as it travelled.
            Assert.True(Signature.Verify(merchant.SecretKey, new SignatureInput(merchant.ClientId, requestId, response.Headers["Response-Timestamp"],
                encoded, response.Bytes, IsResponse: true), response.Headers["Signature"]));
        }
    }

    [Fact]
    public async Task GatewayRefusesARequestSignedOverAnotherPathInEitherForm()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync(new { name = "Toko Path" });
        var response = await SignedHttp.SendAsync(gateway.Http, merchant.ClientId, merchant.SecretKey, HttpMethod.Get,
            "/orders/v1/status/INV%201", null, now: gateway.Time.GetUtcNow(),
            tamper: r => r.RequestUri = new Uri("/orders/v1/status/INV%202", UriKind.Relative));
        response.AssertError(HttpStatusCode.Unauthorized, "invalid_signature", "Signature");
    }
}
