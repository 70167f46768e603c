using Tunai.Merchant.Snap;

namespace Tunai.Merchant.AspNetCore;

/// <summary>
/// Maps the SNAP endpoints the gateway calls on a merchant's site when the merchant chose SNAP notifications
/// (<c>notification_protocol: SNAP</c>): the B2B token URL, the payment notification URL and the inquiry URL. Every
/// answer is SNAP's: a JSON body whose string <c>responseCode</c> starts with the HTTP status. Needs
/// <c>AddTunaiSnap</c> with the gateway's public key.
/// </summary>
public static class TunaiSnapEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the merchant's SNAP token URL: checks the gateway's RSA signature over <c>clientId|timestamp</c> with
    /// the gateway's public key (<see cref="TunaiSnapOptions.GatewayPublicKey"/>) and issues a Bearer token (2007300),
    /// or refuses with 4017300 / 4007301 / 4007302.
    /// </summary>
    public static IEndpointConventionBuilder MapTunaiSnapToken(this IEndpointRouteBuilder app, string pattern)
    {
        ArgumentNullException.ThrowIfNull(app);
        RequireGatewayKey(app);
        return app.MapPost(pattern, async http =>
        {
            var body = await TunaiEndpointRouteBuilderExtensions.ReadBodyAsync(http.Request);
            if (body is null)
            {
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            var answer = Verifier(http).IssueToken(TunaiEndpointRouteBuilderExtensions.Header(http.Request), body);
            if (answer.StatusCode != StatusCodes.Status200OK)
            {
                Logger(http).LogWarning("Refused a SNAP token request: {ResponseCode}", answer.ResponseCode);
            }
            await WriteAsync(http, answer);
        });
    }

    /// <summary>
    /// Receives SNAP payment notifications (<c>transfer-va/payment</c>) at <paramref name="pattern"/>: checks the
    /// Bearer token, X-TIMESTAMP and HMAC-SHA512 signature (refusing with 4012501, 4012500, 4002502...), parses the
    /// payload and calls <paramref name="handler"/>. Answers 2002500 only when the handler returned; 5002501 when it
    /// threw, so the gateway delivers it again (drop duplicates by <see cref="SnapPaymentNotification.ExternalId"/>,
    /// or better, make marking an order paid idempotent).
    /// </summary>
    public static IEndpointConventionBuilder MapTunaiSnapPayment(this IEndpointRouteBuilder app, string pattern,
        Func<SnapPaymentNotification, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return MapTransaction(app, pattern, (v, header, method, path, body) => v.VerifyPayment(header, method, path, body), async (_, n, ct) =>
        {
            await handler(n, ct);
            return SnapInboundVerifier.PaymentAccepted(n);
        }, (_, _) => SnapInboundVerifier.Failed(inquiry: false), inquiry: false);
    }

    /// <summary>
    /// Serves SNAP inquiries (<c>transfer-va/inquiry</c>) at <paramref name="pattern"/>: checks the request as
    /// <see cref="MapTunaiSnapPayment"/> does, calls <paramref name="handler"/> and answers its
    /// <see cref="SnapInquiryResult"/> (2002400 with the bill, or 4042412, 4042414, 4032400, 4042419), signed as the
    /// request was (X-TIMESTAMP, X-SIGNATURE: the gateway believes only a signed answer). A handler that throws is
    /// answered 5002401.
    /// </summary>
    public static IEndpointConventionBuilder MapTunaiSnapInquiry(this IEndpointRouteBuilder app, string pattern,
        Func<SnapInquiryRequest, CancellationToken, Task<SnapInquiryResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return MapTransaction(app, pattern, (v, header, method, path, body) => v.VerifyInquiry(header, method, path, body),
            async (v, r, ct) => v.AnswerInquiry(r, await handler(r, ct)), (v, r) => v.AnswerInquiry(r, null), inquiry: true);
    }

    /// <summary>
    /// A SNAP transaction endpoint: the body read under the cap, the request checked (refused with its SNAP answer),
    /// then <paramref name="handle"/>'s answer; a handler that throws is answered <paramref name="failed"/>'s 500xx01.
    /// </summary>
    private static IEndpointConventionBuilder MapTransaction<T>(IEndpointRouteBuilder app, string pattern,
        Func<SnapInboundVerifier, Func<string, string?>, string, string, byte[], SnapVerification<T>> verify,
        Func<SnapInboundVerifier, T, CancellationToken, Task<SnapAnswer>> handle, Func<SnapInboundVerifier, T, SnapAnswer> failed, bool inquiry)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(app);
        var what = inquiry ? "inquiry" : "payment notification";
        return app.MapPost(pattern, async http =>
        {
            var body = await TunaiEndpointRouteBuilderExtensions.ReadBodyAsync(http.Request);
            if (body is null)
            {
                http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            var verifier = Verifier(http);
            var check = verify(verifier, TunaiEndpointRouteBuilderExtensions.Header(http.Request), http.Request.Method, SignedPathOf(http.Request), body);
            if (!check.IsValid)
            {
                Logger(http).LogWarning("Refused a SNAP {What}: {ResponseCode}", what, check.Refusal!.ResponseCode);
                await WriteAsync(http, check.Refusal);
                return;
            }
            SnapAnswer answer;
            try
            {
                answer = await handle(verifier, check.Value!, http.RequestAborted);
            }
            catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
            {
                // Not handled: the gateway must try again, so the answer's responseCode must not begin with 200.
                Logger(http).LogError(e, "The SNAP {What} handler failed; answering 500 so the gateway tries again", what);
                answer = failed(verifier, check.Value!);
            }
            await WriteAsync(http, answer);
        });
    }

    /// <summary>The token endpoint cannot work without the gateway's public key: said when the route is mapped, not at the first call.</summary>
    private static void RequireGatewayKey(IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetService<IOptions<TunaiSnapOptions>>()?.Value
            ?? throw new InvalidOperationException("MapTunaiSnapToken needs services.AddTunaiSnap(...)");
        if (!options.HasGatewayPublicKey)
        {
            throw new InvalidOperationException("MapTunaiSnapToken needs the gateway's public key: TunaiSnapOptions.GatewayPublicKey or GatewayPublicKeyFile (GET /snap/public-key)");
        }
    }

    private static SnapInboundVerifier Verifier(HttpContext http) =>
        http.RequestServices.GetService<SnapInboundVerifier>()
        ?? throw new InvalidOperationException("The SNAP endpoints need services.AddTunaiSnap(...)");

    private static ILogger Logger(HttpContext http) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Tunai.Merchant.Snap");

    /// <summary>The path SNAP signs: the request-target as received (percent-encoded, with its query string), else rebuilt.</summary>
    private static string SignedPathOf(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        return string.IsNullOrEmpty(raw) || !raw.StartsWith('/')
            ? (request.PathBase + request.Path).ToUriComponent() + request.QueryString.ToUriComponent()
            : raw;
    }

    private static async Task WriteAsync(HttpContext http, SnapAnswer answer)
    {
        http.Response.StatusCode = answer.StatusCode;
        foreach (var (name, value) in answer.Headers)
        {
            http.Response.Headers[name] = value;
        }
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = answer.Body.Length;
        await http.Response.Body.WriteAsync(answer.Body, http.RequestAborted);
    }
}
