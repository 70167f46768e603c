using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tunai.Gateway.Acquirers;
using Tunai.Signing;
using Tunai.Gateway.Clock;
using Tunai.Gateway.Store;

namespace Tunai.Gateway.BackOffice;

/// <summary>What the store API answered the simulator: HTTP status, the raw body, and the body parsed.</summary>
public sealed record StoreAnswer(int HttpStatus, string Raw, JsonNode? Json, string TrxId)
{
    /// <summary>online_to_offline_inquiry.status, online_to_offline_payment.status, or the top-level status of a reversal.</summary>
    public string? Status => (string?)(Json?["online_to_offline_inquiry"]?["status"] ?? Json?["online_to_offline_payment"]?["status"] ?? Json?["status"]);
}

/// <summary>
/// The sandbox's payment simulator: an Alfa POS that calls this gateway's own store API over HTTP, signed as the
/// sandbox's <c>ALFA</c> acquirer, exactly as a real store would. Nothing here touches the payment's SQL: what
/// the page shows is what a till would receive.
/// </summary>
public sealed class PaymentSimulator(IHttpClientFactory clients, IServer server, Database database, TimeProvider time, Tunai.Gateway.Secrets.SecretBox box)
{
    public const string HttpClientName = "backoffice-simulator";
    public const string AgentId = "ALFAMART";
    public const string StoreId = "SANDBOX";
    public const string TerminalId = "SIM-01";

    public Task<StoreAnswer> InquireAsync(string code, CancellationToken ct) =>
        SendAsync($"{StoreEndpoints.Route}/inquiry", Body(code, NewTrxId(), null), ct);

    public Task<StoreAnswer> PayAsync(string code, long amount, CancellationToken ct) =>
        SendAsync($"{StoreEndpoints.Route}/payment", Body(code, NewTrxId(), amount), ct);

    public Task<StoreAnswer> ReverseAsync(string code, string trxId, CancellationToken ct) =>
        SendAsync($"{StoreEndpoints.Route}/reversal", new JsonObject
        {
            ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code },
            ["trx_id"] = trxId,
            ["date"] = Signature.FormatTimestamp(time.GetUtcNow()),
        }, ct);

    private static string NewTrxId() => "SIM-" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private JsonObject Body(string code, string trxId, long? amount)
    {
        var body = new JsonObject
        {
            ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code },
            ["store"] = new JsonObject { ["agent_id"] = AgentId, ["store_id"] = StoreId, ["terminal_id"] = TerminalId },
            ["trx_id"] = trxId,
            ["date"] = Signature.FormatTimestamp(time.GetUtcNow()),
        };
        if (amount is not null)
        {
            body["order"] = new JsonObject { ["amount"] = amount };
        }
        return body;
    }

    private async Task<StoreAnswer> SendAsync(string path, JsonObject body, CancellationToken ct)
    {
        Acquirer acquirer;
        await using (var c = await database.OpenAsync(ct))
        {
            acquirer = await AcquirerStore.FindByCodeAsync(c, "ALFA", box)
                ?? throw new InvalidOperationException("The sandbox has no ALFA acquirer");
        }
        // Serialize once, sign those bytes, send those bytes. The signature's timestamp is the wall clock's: the
        // gateway checks it against the wall clock, whatever the test clock says.
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        var requestId = Guid.NewGuid().ToString();
        var timestamp = Signature.FormatTimestamp(time.WallClock().GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(OwnAddress(), path)) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(SignatureHeaders.ClientId, acquirer.ClientId);
        request.Headers.Add(SignatureHeaders.RequestId, requestId);
        request.Headers.Add(SignatureHeaders.RequestTimestamp, timestamp);
        request.Headers.Add(SignatureHeaders.Signature,
            Signature.Compute(acquirer.SecretKey, new SignatureInput(acquirer.ClientId, requestId, timestamp, path, bytes)));
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, ct);
        var raw = await response.Content.ReadAsStringAsync(ct);
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(raw);
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }
        return new StoreAnswer((int)response.StatusCode, raw, json, (string)body["trx_id"]!);
    }

    /// <summary>Where this gateway listens, as a loopback address when it listens on every interface.</summary>
    private Uri OwnAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The gateway has no listening address");
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
        return uri.Uri;
    }
}
