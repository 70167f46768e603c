using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>A request the merchant's endpoint received, and whether the gateway's signature on it verified.</summary>
public sealed record MerchantCall(string Path, string? QueryString, Dictionary<string, string> Headers, byte[] Body, bool SignatureValid)
{
    public JsonNode Json => GatewayHost.Json(Encoding.UTF8.GetString(Body));
}

/// <summary>What the merchant's endpoint answers: signed with the merchant's secret unless told otherwise.</summary>
public sealed record MerchantReply(int Status, string Body, bool Sign = true, TimeSpan Delay = default, string? SecretKey = null,
    IReadOnlyDictionary<string, string>? Headers = null, Task? WaitFor = null)
{
    /// <summary>What a notification URL answers when all is well: any 2xx, no body needed.</summary>
    public static MerchantReply Ok() => new(200, "{}");

    /// <summary>A success bill, as the reference's sample response.</summary>
    public static JsonObject Bill(string code, string invoice = "MINV20201231468", long amount = 150000) => new()
    {
        ["order"] = new JsonObject { ["invoice_number"] = invoice, ["amount"] = amount },
        ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code, ["info1"] = "Thanks for shopping" },
        ["online_to_offline_inquiry"] = new JsonObject { ["status"] = "success" },
        ["customer"] = new JsonObject { ["name"] = "Taufik Ismail", ["email"] = "taufik@example.com" },
        ["additional_info"] = new JsonObject { ["order_ref"] = "SO-77", ["items"] = new JsonArray(1, 2) },
    };

    public static MerchantReply Success(string code) => new(200, Bill(code).ToJsonString());

    public static MerchantReply Refusal(string status, int httpStatus, string? message = null) =>
        new(httpStatus, new JsonObject
        {
            ["online_to_offline_inquiry"] = new JsonObject { ["status"] = status, ["message"] = message },
        }.ToJsonString());
}

/// <summary>
/// A merchant's Inquiry URL: Kestrel on 127.0.0.1 with a free port. It records every request, checks the
/// gateway's signature with the merchant's secret, and answers with <see cref="Handler"/>, signing the answer.
/// Register the merchant with <see cref="RegisterAsync"/>, which gives the gateway this endpoint's credentials.
/// </summary>
public sealed class MerchantEndpoint : IAsyncDisposable
{
    public const string InquiryPath = "/payments/inquiry";
    public const string NotificationPath = "/payments/notifications";

    private readonly WebApplication _app;

    private MerchantEndpoint(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string InquiryUrl => new Uri(BaseAddress, InquiryPath).ToString();

    public string NotificationUrl => new Uri(BaseAddress, NotificationPath).ToString();

    /// <summary>The calls received on one path, oldest first.</summary>
    public IReadOnlyList<MerchantCall> CallsTo(string path) => Calls.Where(c => c.Path == path).ToList();

    public string ClientId { get; } = "MCH-DIPC-" + Guid.NewGuid().ToString("N")[..12];

    public string SecretKey { get; } = "SK-" + Guid.NewGuid().ToString("N");

    public ConcurrentQueue<MerchantCall> Calls { get; } = new();

    /// <summary>Answers each call; by default a success bill for the code asked.</summary>
    public Func<MerchantCall, MerchantReply> Handler { get; set; } =
        call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!);

    public static async Task<MerchantEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        MerchantEndpoint? self = null;
        app.MapPost("/{**path}", (HttpContext http) => self!.AnswerAsync(http));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new MerchantEndpoint(app, new Uri(address));
        return self;
    }

    /// <summary>Creates the merchant on the gateway with this endpoint's credentials and Inquiry URL.</summary>
    public Task<TestMerchant> RegisterAsync(GatewayHost gateway, string? inquiryUrl = null, string? notificationUrl = null) =>
        gateway.CreateMerchantAsync(new
        {
            name = "Toko DIPC",
            client_id = ClientId,
            secret_key = SecretKey,
            inquiry_url = inquiryUrl ?? InquiryUrl,
            notification_url = notificationUrl ?? NotificationUrl,
        });

    private async Task AnswerAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var requestId = headers.GetValueOrDefault(SignatureHeaders.RequestId) ?? "";
        var input = new SignatureInput(headers.GetValueOrDefault(SignatureHeaders.ClientId) ?? "", requestId,
            headers.GetValueOrDefault(SignatureHeaders.RequestTimestamp) ?? "", http.Request.Path.Value ?? "", body);
        var call = new MerchantCall(http.Request.Path.Value ?? "", http.Request.QueryString.Value, headers, body,
            Signature.Verify(SecretKey, input, headers.GetValueOrDefault(SignatureHeaders.Signature)));
        Calls.Enqueue(call);

        var reply = Handler(call);
        if (reply.WaitFor is { } gate)
        {
            await gate.WaitAsync(http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        var bytes = Encoding.UTF8.GetBytes(reply.Body);
        http.Response.StatusCode = reply.Status;
        http.Response.ContentType = "application/json";
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
        {
            http.Response.Headers[name] = value;
        }
        if (reply.Sign)
        {
            var timestamp = Signature.FormatTimestamp(DateTimeOffset.UtcNow);
            var signature = Signature.Compute(reply.SecretKey ?? SecretKey,
                new SignatureInput(ClientId, requestId, timestamp, call.Path, bytes, IsResponse: true));
            http.Response.Headers[SignatureHeaders.ClientId] = ClientId;
            http.Response.Headers[SignatureHeaders.RequestId] = requestId;
            http.Response.Headers[SignatureHeaders.ResponseTimestamp] = timestamp;
            http.Response.Headers[SignatureHeaders.Signature] = signature;
        }
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
