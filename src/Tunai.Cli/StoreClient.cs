using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tunai.Signing;

namespace Tunai.Cli;

/// <summary>Where the POS stands: brand (agent), store and terminal.</summary>
internal sealed record StorePoint(string Agent, string Store, string Terminal);

/// <summary>A store-side answer: its raw text, parsed body, and the status and message it carries.</summary>
internal sealed record StoreReply(string Raw, JsonNode Json, string Status, string? Message)
{
    public const string Success = "success";

    public bool IsSuccess => Status == Success;
}

/// <summary>
/// The store side of the wire: signs each request with the acquirer's credentials (the same scheme as merchants)
/// and posts it to <c>/acquirer/v1/alfa/*</c>.
/// </summary>
internal sealed class StoreClient(Uri gateway, string clientId, string secretKey, TimeProvider time) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };

    public Task<StoreReply> InquireAsync(string code, StorePoint at, string trxId, DateTimeOffset date, CancellationToken ct) =>
        PostAsync("/acquirer/v1/alfa/inquiry", StoreRequest(code, at, trxId, date, amount: null), "online_to_offline_inquiry", ct);

    public Task<StoreReply> PayAsync(string code, StorePoint at, string trxId, DateTimeOffset date, long amount, CancellationToken ct) =>
        PostAsync("/acquirer/v1/alfa/payment", StoreRequest(code, at, trxId, date, amount), "online_to_offline_payment", ct);

    public Task<StoreReply> ReverseAsync(string code, string trxId, DateTimeOffset date, CancellationToken ct) =>
        PostAsync("/acquirer/v1/alfa/reversal", new JsonObject
        {
            ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code },
            ["trx_id"] = trxId,
            ["date"] = Signature.FormatTimestamp(date),
        }, statusObject: null, ct);

    private static JsonObject StoreRequest(string code, StorePoint at, string trxId, DateTimeOffset date, long? amount)
    {
        var body = new JsonObject
        {
            ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code },
            ["store"] = new JsonObject { ["agent_id"] = at.Agent, ["store_id"] = at.Store, ["terminal_id"] = at.Terminal },
            ["trx_id"] = trxId,
            ["date"] = Signature.FormatTimestamp(date),
        };
        if (amount is not null)
        {
            body["order"] = new JsonObject { ["amount"] = amount };
        }
        return body;
    }

    /// <param name="statusObject">The object holding status and message, or null when they are at the top level.</param>
    private async Task<StoreReply> PostAsync(string path, JsonObject body, string? statusObject, CancellationToken ct)
    {
        // Serialize once, sign those bytes, send those bytes.
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var requestId = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var target = RequestTarget.Of(new Uri(gateway, path));
        foreach (var (name, value) in SignedEnvelope.SignRequest(clientId, secretKey, requestId, time.GetUtcNow(), target, bytes).ToList())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliError($"cannot reach the gateway at {gateway}: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliError($"the gateway at {gateway} did not answer within {_http.Timeout.TotalSeconds:0} seconds");
        }
        using (response)
        {
            var raw = await response.Content.ReadAsStringAsync(ct);
            var json = TryParse(raw);
            var holder = statusObject is null ? json : json?[statusObject];
            if (holder?["status"] is JsonValue status && status.TryGetValue<string>(out var value))
            {
                return new StoreReply(raw, json!, value, holder["message"]?.GetValue<string>());
            }
            // Not a store answer: the gateway refused the request itself (signature, malformed field), or it is not a gateway.
            var error = json?["error"];
            throw new CliError(error is null
                ? $"{gateway} answered HTTP {(int)response.StatusCode} without a store status"
                : $"the gateway rejected the request (HTTP {(int)response.StatusCode} {error["code"]}): {error["message"]}");
        }
    }

    private static JsonNode? TryParse(string raw)
    {
        try
        {
            return JsonNode.Parse(raw);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
