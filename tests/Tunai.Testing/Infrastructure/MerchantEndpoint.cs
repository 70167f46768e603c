using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tunai.Signing;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>A request the merchant's endpoint received, and whether the gateway's signature on it verified.</summary>
/// <remarks><see cref="SignatureValid"/> holds when the signature is over the path as it came on the wire (<see cref="RawPath"/>), the form every signer must use.</remarks>
public sealed record MerchantCall(string Path, string? QueryString, Dictionary<string, string> Headers, byte[] Body, bool SignatureValid)
{
    /// <summary>The path as it came on the wire, percent-encoded.</summary>
    public string RawPath { get; init; } = Path;

    public JsonNode Json => GatewayHost.Json(Encoding.UTF8.GetString(Body));
}

/// <summary>What the merchant's endpoint answers: signed with the merchant's secret unless told otherwise.</summary>
/// <param name="RequestTimestampLabel">
/// Sign the answer as the provider's official client libraries do, with their one signing function: the string to
/// sign says Request-Timestamp (and the header sent is Request-Timestamp too), not Response-Timestamp.
/// </param>
/// <param name="DecodedTarget">Sign the decoded path instead of the path as it came on the wire.</param>
public sealed record MerchantReply(int Status, string Body, bool Sign = true, TimeSpan Delay = default, string? SecretKey = null,
    IReadOnlyDictionary<string, string>? Headers = null, Task? WaitFor = null, bool RequestTimestampLabel = false, bool DecodedTarget = false)
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
/// A merchant's Inquiry URL: Kestrel on 127.0.0.1, port 0 read back once bound. It records every request, checks the
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

    /// <summary>The merchant's clock, for the Response-Timestamp of its answers: the gateway's fake clock once registered.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Answers each call; by default a success bill for the code asked.</summary>
    public Func<MerchantCall, MerchantReply> Handler { get; set; } =
        call => MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!);

    public static async Task<MerchantEndpoint> StartAsync()
    {
        MerchantEndpoint? self = null;
        var (app, address) = await ListenAsync(http => self!.AnswerAsync(http));
        self = new MerchantEndpoint(app, address);
        return self;
    }

    /// <summary>Kestrel on 127.0.0.1, port 0 read back once bound, every POST answered by <paramref name="answer"/>.</summary>
    public static async Task<(WebApplication App, Uri Address)> ListenAsync(Func<HttpContext, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/{**path}", answer);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }

    /// <summary>Creates the merchant on the gateway with this endpoint's credentials and Inquiry URL.</summary>
    public Task<TestMerchant> RegisterAsync(GatewayHost gateway, string? inquiryUrl = null, string? notificationUrl = null)
    {
        Clock = gateway.Time;
        return gateway.CreateMerchantAsync(new
        {
            name = "Toko DIPC",
            client_id = ClientId,
            secret_key = SecretKey,
            inquiry_url = inquiryUrl ?? InquiryUrl,
            notification_url = notificationUrl ?? NotificationUrl,
        });
    }

    private async Task AnswerAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var requestId = headers.GetValueOrDefault(SignatureHeaders.RequestId) ?? "";
        // The path as it came on the wire: the gateway signs that form.
        var rawPath = RequestTarget.FromRawTarget(http.Features.Get<IHttpRequestFeature>()!.RawTarget);
        var (received, _) = SignedEnvelope.ReadRequest(name => headers.GetValueOrDefault(name));
        var valid = received is not null
            && SignedEnvelope.Verify(received, [SecretKey], rawPath, body, Clock.GetUtcNow(), tolerance: null).IsValid
            && Signature.Verify(SecretKey, new SignatureInput(received.ClientId, received.RequestId, received.Timestamp, rawPath, body), received.Signature);
        var call = new MerchantCall(http.Request.Path.Value ?? "", http.Request.QueryString.Value, headers, body, valid) { RawPath = rawPath };
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
            var timestamp = Signature.FormatTimestamp(Clock.GetUtcNow());
            var target = reply.DecodedTarget ? Uri.UnescapeDataString(call.RawPath) : call.RawPath;
            var signature = Signature.Compute(reply.SecretKey ?? SecretKey,
                new SignatureInput(ClientId, requestId, timestamp, target, bytes, IsResponse: !reply.RequestTimestampLabel));
            http.Response.Headers[SignatureHeaders.ClientId] = ClientId;
            http.Response.Headers[SignatureHeaders.RequestId] = requestId;
            http.Response.Headers[reply.RequestTimestampLabel ? SignatureHeaders.RequestTimestamp : SignatureHeaders.ResponseTimestamp] = timestamp;
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
