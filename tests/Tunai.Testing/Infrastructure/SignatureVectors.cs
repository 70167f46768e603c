using System.Text.Json;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>A request or notification signed by the provider's official Node.js library.</summary>
public sealed record SignatureVector(string Name, string SecretKey, string ClientId, string RequestId, string Timestamp, string Target, string Body, string Signature);

/// <summary>
/// tests/fixtures/signature-vectors.json (copied beside every test binary): signatures computed with
/// getSignature() of the npm package jokul-nodejs-library@2.0.1, the provider's official Node.js library, as
/// the file's "source" field says. The signing code must reproduce them byte for byte.
/// </summary>
public static class SignatureVectors
{
    public static IReadOnlyList<SignatureVector> All { get; } = Load();

    private static List<SignatureVector> Load()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "fixtures", "signature-vectors.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        return [.. doc.RootElement.GetProperty("vectors").EnumerateArray().Select(v =>
        {
            var h = v.GetProperty("headers");
            return new SignatureVector(v.GetProperty("name").GetString()!, v.GetProperty("secret_key").GetString()!,
                h.GetProperty("client-id").GetString()!, h.GetProperty("request-id").GetString()!,
                h.GetProperty("request-timestamp").GetString()!, h.GetProperty("request-target").GetString()!,
                v.GetProperty("body").GetString()!, v.GetProperty("signature").GetString()!);
        })];
    }
}
