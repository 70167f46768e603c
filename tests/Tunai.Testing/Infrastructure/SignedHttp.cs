using System.Net.Http.Headers;
using System.Text;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>Sends a request signed as any client of the API does (merchant or store), over plain HttpClient.</summary>
public static class SignedHttp
{
    public static async Task<ApiResponse> SendAsync(HttpClient http, string clientId, string secretKey, HttpMethod method, string path,
        byte[]? body, string? requestId = null, DateTimeOffset? now = null, Action<HttpRequestMessage>? tamper = null, string? timestamp = null)
    {
        requestId ??= Guid.NewGuid().ToString();
        timestamp ??= Signature.FormatTimestamp(now ?? TimeProvider.System.GetUtcNow());
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        request.Headers.Add(SignatureHeaders.ClientId, clientId);
        request.Headers.Add(SignatureHeaders.RequestId, requestId);
        request.Headers.Add(SignatureHeaders.RequestTimestamp, timestamp);
        request.Headers.Add(SignatureHeaders.Signature,
            Signature.Compute(secretKey, new SignatureInput(clientId, requestId, timestamp, path.Split('?')[0], body)));
        tamper?.Invoke(request);
        using var response = await http.SendAsync(request);
        return await ApiResponse.ReadAsync(response, path.Split('?')[0]);
    }

    public static Task<ApiResponse> PostJsonAsync(HttpClient http, string clientId, string secretKey, string path, string json, string? requestId = null) =>
        SendAsync(http, clientId, secretKey, HttpMethod.Post, path, Encoding.UTF8.GetBytes(json), requestId);
}
