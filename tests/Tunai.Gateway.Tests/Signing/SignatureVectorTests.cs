using System.Net;
using System.Text;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Signing;

/// <summary>
/// The vectors in tests/fixtures/signature-vectors.json were computed by the provider's official Node.js library;
/// the signing library must reproduce them byte for byte, and the gateway must accept requests signed with them.
/// </summary>
public sealed class SignatureVectorTests
{
    public static IEnumerable<SignatureVector> Vectors() => SignatureVectors.All;

    [Fact]
    public void EveryVectorIsReproducedByteForByte()
    {
        var vectors = Vectors().ToList();
        Assert.Equal(3, vectors.Count);
        foreach (var v in vectors)
        {
            var input = new SignatureInput(v.ClientId, v.RequestId, v.Timestamp, v.Target, Encoding.UTF8.GetBytes(v.Body));
            Assert.Equal(v.Signature, Signature.Compute(v.SecretKey, input));
            Assert.True(Signature.Verify(v.SecretKey, input, v.Signature), v.Name);
        }
    }

    [Fact]
    public void StringToSignHasFiveLinesWithBodyAndFourWithout()
    {
        var withBody = Signature.StringToSign(new SignatureInput("C", "R", "2020-08-11T08:45:42Z", "/p", "{}"u8.ToArray()));
        Assert.Equal("Client-Id:C\nRequest-Id:R\nRequest-Timestamp:2020-08-11T08:45:42Z\nRequest-Target:/p\nDigest:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=", withBody);
        var get = Signature.StringToSign(new SignatureInput("C", "R", "2020-08-11T08:45:42Z", "/orders/v1/status/INV-1", null));
        Assert.Equal("Client-Id:C\nRequest-Id:R\nRequest-Timestamp:2020-08-11T08:45:42Z\nRequest-Target:/orders/v1/status/INV-1", get);
        var response = Signature.StringToSign(new SignatureInput("C", "R", "2020-08-11T08:45:42Z", "/p", "{}"u8.ToArray(), IsResponse: true));
        Assert.StartsWith("Client-Id:C\nRequest-Id:R\nResponse-Timestamp:2020-08-11T08:45:42Z\n", response);
    }

    [Fact]
    public void ATamperedByteOrKeyDoesNotVerify()
    {
        var v = Vectors().First();
        var body = Encoding.UTF8.GetBytes(v.Body);
        body[^2] ^= 1;
        Assert.False(Signature.Verify(v.SecretKey, new SignatureInput(v.ClientId, v.RequestId, v.Timestamp, v.Target, body), v.Signature));
        Assert.False(Signature.Verify(v.SecretKey + "x", new SignatureInput(v.ClientId, v.RequestId, v.Timestamp, v.Target, Encoding.UTF8.GetBytes(v.Body)), v.Signature));
    }

    /// <summary>
    /// The request vectors sent as recorded (headers and bytes), at the moment they were signed on the gateway's
    /// clock, to a merchant holding the vector's credentials: the gateway accepts and creates the code.
    /// </summary>
    [Fact]
    public async Task GatewayAcceptsTheRequestVectorsAsSent()
    {
        foreach (var v in Vectors().Where(v => v.Target.Contains("payment-code", StringComparison.Ordinal)))
        {
            Assert.True(Signature.TryParseTimestamp(v.Timestamp, out var signedAt));
            await using var gateway = await GatewayHost.StartAsync(signedAt);
            var merchant = await gateway.CreateMerchantAsync(new { name = "Vector", client_id = v.ClientId, secret_key = v.SecretKey });
            using var request = new HttpRequestMessage(HttpMethod.Post, v.Target) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(v.Body)) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("Client-Id", v.ClientId);
            request.Headers.Add("Request-Id", v.RequestId);
            request.Headers.Add("Request-Timestamp", v.Timestamp);
            request.Headers.Add("Signature", v.Signature);
            using var raw = await gateway.Http.SendAsync(request, TestContext.Current.CancellationToken);
            var response = await ApiResponse.ReadAsync(raw, v.Target);
            Assert.True(response.Status == HttpStatusCode.OK, $"{v.Name}: {response.Body}");
            response.AssertSignedBy(merchant);
            Assert.Equal(v.RequestId, response.Headers["Request-Id"]);
        }
    }
}
