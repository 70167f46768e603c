using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>A 200 is a promise: what the gateway acknowledged survives the process being killed outright.</summary>
[Collection(nameof(GatewayProcess))]
public sealed class CrashTests
{
    private sealed record Sent(string RequestId, byte[] Body, HttpStatusCode Status, byte[] Response);

    [Fact]
    public async Task AcknowledgedWriteSurvivesKill9()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        IReadOnlyList<Sent> sent;
        Dictionary<string, string> env;
        using (var first = GatewayProcess.Start(folder.Path))
        {
            await first.WaitUntilReadyAsync(ct);
            env = first.SandboxEnv();
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            sent = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CreateAsync(http, env, Guid.NewGuid().ToString(), null, ct)));
            // Killed the moment the last 200 is in: no graceful shutdown, no chance to flush anything late.
            first.Kill();
            Assert.All(sent, s => Assert.True(s.Status == HttpStatusCode.OK, Encoding.UTF8.GetString(s.Response)));
        }

        using var second = GatewayProcess.Start(folder.Path);
        await second.WaitUntilReadyAsync(ct);
        using var admin = new HttpClient { BaseAddress = second.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env["TUNAI_ADMIN_TOKEN"]);
        using var list = await admin.GetAsync($"/admin/v1/payment-codes?client_id={env["TUNAI_CLIENT_ID"]}&limit=500", ct);
        var listed = JsonNode.Parse(await list.Content.ReadAsStringAsync(ct))!["data"]!.AsArray()
            .Select(item => (string)item!["payment_code"]!).ToHashSet();
        foreach (var s in sent)
        {
            var code = (string)JsonNode.Parse(s.Response)!["online_to_offline_info"]!["payment_code"]!;
            Assert.True(listed.Contains(code), $"acknowledged code {code} lost in the crash\n{second.Output()}");
        }

        // The stored response survived too: the same Request-Id and body replay it byte for byte.
        using var client = new HttpClient { BaseAddress = second.BaseAddress };
        var original = sent[7];
        var replay = await CreateAsync(client, env, original.RequestId, original.Body, ct);
        Assert.Equal(HttpStatusCode.Conflict, replay.Status);
        Assert.Equal(Encoding.UTF8.GetString(original.Response), Encoding.UTF8.GetString(replay.Response));
    }

    /// <summary>A signed create as any merchant client sends it, stamped with the real clock the process uses.</summary>
    private static async Task<Sent> CreateAsync(HttpClient http, Dictionary<string, string> env, string requestId, byte[]? body, CancellationToken ct)
    {
        body ??= JsonSerializer.SerializeToUtf8Bytes(TestMerchant.ValidCreate());
        var clientId = env["TUNAI_CLIENT_ID"];
        var timestamp = Signature.FormatTimestamp(TimeProvider.System.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, TestMerchant.CreatePath) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(SignatureHeaders.ClientId, clientId);
        request.Headers.Add(SignatureHeaders.RequestId, requestId);
        request.Headers.Add(SignatureHeaders.RequestTimestamp, timestamp);
        request.Headers.Add(SignatureHeaders.Signature, Signature.Compute(env["TUNAI_SECRET_KEY"],
            new SignatureInput(clientId, requestId, timestamp, TestMerchant.CreatePath, body)));
        using var response = await http.SendAsync(request, ct);
        return new Sent(requestId, body, response.StatusCode, await response.Content.ReadAsByteArrayAsync(ct));
    }
}
