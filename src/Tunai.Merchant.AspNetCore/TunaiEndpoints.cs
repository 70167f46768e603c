using Tunai.Signing;

namespace Tunai.Merchant.AspNetCore;

/// <summary>Maps the endpoints the gateway calls on a merchant's site.</summary>
public static class TunaiEndpointRouteBuilderExtensions
{
    /// <summary>A notification or inquiry is a few hundred bytes; more is refused unread.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Receives HTTP notifications at <paramref name="pattern"/>: checks the signature over the raw body with
    /// Request-Target = the request path, refuses a bad or stale one with 401, parses the body leniently and
    /// calls <paramref name="handler"/>. Answers 200 only when the handler returned; 500 when it threw, so the
    /// gateway delivers again (with the same Request-Id: drop duplicates by <see cref="PaymentNotification.RequestId"/>
    /// or, better, make marking an order paid idempotent). Needs <c>AddTunaiMerchant</c> for the credentials.
    /// </summary>
    public static IEndpointConventionBuilder MapTunaiNotifications(this IEndpointRouteBuilder app, string pattern,
        Func<PaymentNotification, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(handler);
        return app.MapPost(pattern, async http =>
        {
            var services = http.RequestServices;
            var options = services.GetRequiredService<IOptions<TunaiMerchantOptions>>().Value;
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Tunai.Merchant.Notifications");
            var body = await ReadBodyAsync(http.Request);
            if (body is null)
            {
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            var verifier = new NotificationVerifier(options, services.GetService<TimeProvider>());
            var result = verifier.Verify(Header(http.Request), body, TargetOf(http.Request));
            if (!result.IsValid)
            {
                logger.LogWarning("Refused a Tunai notification: {Reason} ({Detail})", result.Rejection, result.Detail);
                http.Response.StatusCode = result.Rejection == RejectionReason.MalformedBody ? StatusCodes.Status400BadRequest : StatusCodes.Status401Unauthorized;
                await http.Response.WriteAsJsonAsync(new { error = new { code = result.Rejection.ToString(), message = result.Detail } }, http.RequestAborted);
                return;
            }
            try
            {
                await handler(result.Value!, http.RequestAborted);
            }
            catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
            {
                // Not handled: the gateway must try again, so the answer is a 5xx, never a 2xx.
                logger.LogError(e, "The notification handler failed for invoice {Invoice}; answering 500 so the gateway retries", result.Value!.InvoiceNumber);
                http.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            }
            http.Response.StatusCode = StatusCodes.Status200OK;
        });
    }

    /// <summary>
    /// Serves the merchant's Inquiry URL at <paramref name="pattern"/>: checks the gateway's signature (401
    /// invalid_signature when it fails), calls <paramref name="handler"/> and writes its
    /// <see cref="DirectInquiryResult"/> signed (Client-Id, Request-Id echo, Response-Timestamp, Signature) with
    /// the HTTP status that status requires. A handler that throws is answered as a signed decline.
    /// </summary>
    public static IEndpointConventionBuilder MapTunaiDirectInquiry(this IEndpointRouteBuilder app, string pattern,
        Func<DirectInquiryRequest, CancellationToken, Task<DirectInquiryResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(handler);
        return app.MapPost(pattern, async http =>
        {
            var services = http.RequestServices;
            var options = services.GetRequiredService<IOptions<TunaiMerchantOptions>>().Value;
            var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Tunai.Merchant.DirectInquiry");
            var body = await ReadBodyAsync(http.Request);
            if (body is null)
            {
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            var target = TargetOf(http.Request);
            var verifier = new DirectInquiryVerifier(options, time);
            var check = verifier.Verify(Header(http.Request), body, target);
            if (check.Rejection is not (RejectionReason.None or RejectionReason.MalformedBody))
            {
                logger.LogWarning("Refused a Tunai direct inquiry: {Reason} ({Detail})", check.Rejection, check.Detail);
                await WriteAsync(http, DirectInquiryResult.InvalidSignature());
                return;
            }
            if (!check.IsValid)
            {
                logger.LogWarning("Declined a malformed Tunai direct inquiry: {Detail}", check.Detail);
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            DirectInquiryResult result;
            try
            {
                result = await handler(check.Value!, http.RequestAborted);
            }
            catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
            {
                logger.LogError(e, "The direct-inquiry handler failed for code {Code}; declining", check.Value!.PaymentCode);
                result = DirectInquiryResult.Decline("The merchant could not look the code up");
            }
            await WriteAsync(http, result.ToSignedResponse(check.Value!, options.ClientId, options.SecretKey, target, time.GetUtcNow()));
        });
    }

    private static async Task WriteAsync(HttpContext http, SignedResponse response)
    {
        http.Response.StatusCode = response.StatusCode;
        foreach (var (name, value) in response.Headers)
        {
            http.Response.Headers[name] = value;
        }
        http.Response.ContentLength = response.Body.Length;
        await http.Response.Body.WriteAsync(response.Body, http.RequestAborted);
    }

    /// <summary>
    /// The path the gateway signed: the path of the URL it was given as it came on the wire (percent-encoded),
    /// from the server's raw target; without one (a server that keeps none), the decoded path encoded again.
    /// </summary>
    private static string TargetOf(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return string.IsNullOrEmpty(raw)
            ? RequestTarget.Encode((request.PathBase + request.Path).Value ?? "/")
            : RequestTarget.FromRawTarget(raw);
    }

    internal static Func<string, string?> Header(HttpRequest request) =>
        name => request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>The raw bytes as received (the signature covers them), or null over the cap.</summary>
    internal static async Task<byte[]?> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
