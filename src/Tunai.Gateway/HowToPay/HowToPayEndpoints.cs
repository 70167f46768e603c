using Microsoft.AspNetCore.Http.HttpResults;
using Tunai.Gateway.PaymentCodes;

using Tunai.Gateway.Abuse;

namespace Tunai.Gateway.HowToPay;

public sealed record HowToPayOrder(string InvoiceNumber, long Amount);

public sealed record HowToPayCodeInfo(
    string PaymentCode,
    string MerchantName,
    string CreatedDate,
    string ExpiredDate,
    string CreatedDateUtc,
    string ExpiredDateUtc);

/// <summary>The how-to-pay page as data: empty instructions when the code can no longer be paid.</summary>
public sealed record HowToPayApiResponse(
    HowToPayOrder Order,
    HowToPayCodeInfo OnlineToOfflineInfo,
    string Status,
    IReadOnlyList<PaymentInstruction> PaymentInstruction);

/// <summary>
/// The customer-facing how-to-pay page and its JSON twin. Both are plain unsigned GETs; the token in the URL
/// is what makes them unguessable (wire notes section 2), so a wrong token looks exactly like an unknown code.
/// </summary>
public static class HowToPayEndpoints
{
    public static IEndpointRouteBuilder MapHowToPay(this IEndpointRouteBuilder app)
    {
        // A wrong token answers 404 like an unknown code; each is a guess, counted like a failed signature.
        app.MapGet("/how-to-pay/v2/alfa-online-to-offline/{code}/{token}", Page).LimitAuthenticationFailures(IsGuess);
        app.MapGet("/alfa-online-to-offline/v2/how-to-pay-api/{code}/{token}", Api).LimitAuthenticationFailures(IsGuess);
        return app;
    }

    private static bool IsGuess(int status) => status == StatusCodes.Status404NotFound;

    private static async Task<IResult> Page(string code, string token, HttpContext http, Database database, TimeProvider time)
    {
        var found = await FindAsync(database, code, token, http.RequestAborted);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        http.Response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'unsafe-inline'; script-src {HowToPayPage.ScriptHashSource}; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        if (found is null)
        {
            return new RazorComponentResult<HowToPayDocument>(new { View = (HowToPayView?)null })
            {
                StatusCode = StatusCodes.Status404NotFound, ContentType = "text/html; charset=utf-8",
            };
        }
        var (paymentCode, merchantName) = found.Value;
        var now = time.GetUtcNow();
        var view = new HowToPayView(
            merchantName, paymentCode.Code, paymentCode.InvoiceNumber, paymentCode.Amount, paymentCode.StatusAt(now),
            paymentCode.Created, paymentCode.Expires, now, paymentCode.Info, paymentCode.CustomerName, paymentCode.Info2, paymentCode.Info3);
        // Rendered on the server by the same Razor components as the back office (static SSR): values are encoded by default.
        return new RazorComponentResult<HowToPayDocument>(new { View = view }) { ContentType = "text/html; charset=utf-8" };
    }

    private static async Task<IResult> Api(string code, string token, HttpContext http, Database database, TimeProvider time)
    {
        var found = await FindAsync(database, code, token, http.RequestAborted);
        http.Response.Headers.CacheControl = "no-store";
        if (found is null)
        {
            return ApiError.NotFound("payment_code_not_found", "No payment code at this address");
        }
        var (p, merchantName) = found.Value;
        var status = p.StatusAt(time.GetUtcNow());
        return WireJson.Ok(new HowToPayApiResponse(
            new HowToPayOrder(p.InvoiceNumber, p.Amount),
            new HowToPayCodeInfo(p.Code, merchantName,
                WireDates.Wib14(p.Created), WireDates.Wib14(p.Expires), WireDates.Utc(p.Created), WireDates.Utc(p.Expires)),
            status,
            status == CodeStatus.Active ? HowToPayInstructions.For(p.Code, p.Amount, merchantName) : []));
    }

    private static readonly string StandInToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));

    private static async Task<(PaymentCode Code, string MerchantName)?> FindAsync(Database database, string code, string token, CancellationToken ct)
    {
        if (code.Length > PaymentCodeRequests.MaxCodeLength || token.Length > 64)
        {
            return null;
        }
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<PaymentCode, string, (PaymentCode, string)>(
            $"""
            SELECT {PaymentCodeStore.ColumnsOfP}, m.name
            FROM payment_codes p JOIN merchants m ON m.id = p.merchant_id
            WHERE p.code = @code
            ORDER BY p.life DESC
            """, (p, name) => (p, name), new { code }, splitOn: "name");
        // Each life of a code (a merchant's own code registered again) has its own token: the link names its life.
        // An unknown code is compared against a stand-in token, so it does the same work as a wrong token: the time
        // of the answer does not tell which codes exist.
        (PaymentCode Code, string MerchantName)? found = null;
        var given = Encoding.UTF8.GetBytes(token);
        foreach (var row in rows.DefaultIfEmpty())
        {
            var matches = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(row.Item1?.HowToPayToken ?? StandInToken), given);
            if (row.Item1 is not null && matches && found is null)
            {
                found = row;
            }
        }
        return found;
    }
}
