using Tunai.Gateway.Admin;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.Settlement;

public sealed record SettlementLineView(int Line, string PayeeType, string Payee, string Account, long Amount, bool CarriedForward,
    string? BankCode, string? AccountNumber, string? AccountName);

public sealed record SettlementBatchView(string Id, string ClientId, string Date, string Status, long Total, string ClosedAt,
    string? PaidAt, string? Reference, IReadOnlyList<SettlementLineView>? Lines);

public sealed record SettlementBatchList(IReadOnlyList<SettlementBatchView> Items);

/// <summary>
/// <c>/admin/v1/settlements</c>: close a business day now (for one merchant or all), list batches, read one with its
/// lines, its payout CSV, and mark it paid.
/// </summary>
public static class SettlementEndpoints
{
    /// <summary>Settlement's routes: a merchant's accounts, settlement batches and payouts, reports.</summary>
    public static IEndpointRouteBuilder MapSettlement(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/v1/merchants/{clientId}").RequireAdminToken().MapAccounts();
        app.MapGroup("/admin/v1/settlements").RequireAdminToken().MapSettlements();
        app.MapReports();
        return app;
    }

    public static RouteGroupBuilder MapSettlements(this RouteGroupBuilder group)
    {
        group.MapPost("/close", Close);
        group.MapGet("", List);
        group.MapGet("/{id}", Get);
        group.MapGet("/{id}/payout.csv", Payout);
        group.MapPost("/{id}/paid", Paid);
        return group;
    }

    private static async Task<IResult> Close(HttpContext http, Database database, TunaiOptions options, TimeProvider time)
    {
        var (document, error) = await RequestBody.ReadObjectAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        string? date, clientId;
        using (document)
        {
            var f = new FieldReader(document!.RootElement);
            date = f.Text("date", 10, required: true);
            clientId = f.Text("client_id", 64);
            if (date is not null && !Settlements.IsClosable(date, time.GetUtcNow()))
            {
                f.Fail<string>("date", "date must be a business day (WIB) as yyyy-MM-dd, today or earlier");
            }
            if (f.Error is { } invalid)
            {
                return invalid;
            }
        }
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        IReadOnlyList<SettlementBatch> batches;
        if (clientId is not null)
        {
            await using var c = await database.OpenAsync(http.RequestAborted);
            if (await MerchantStore.FindAsync(c, clientId) is not { } merchant)
            {
                return AccountEndpoints.MerchantNotFound(clientId);
            }
            batches = [await Settlements.CloseAsync(database, merchant.Id, merchant.ClientId, date!, at, http.RequestAborted, Audit.AuditActor.AdminToken(http))];
        }
        else
        {
            batches = await Settlements.CloseAllAsync(database, date!, at, http.RequestAborted, Audit.AuditActor.AdminToken(http));
        }
        return WireJson.Ok(new SettlementBatchList(batches.Select(b => View(b, null)).ToList()));
    }

    private static async Task<IResult> List(HttpContext http, Database database, string? client_id, string? date)
    {
        await using var c = await database.OpenAsync(http.RequestAborted);
        return WireJson.Ok(new SettlementBatchList((await Settlements.ListAsync(c, client_id, date)).Select(b => View(b, null)).ToList()));
    }

    private static async Task<IResult> Get(string id, HttpContext http, Database database)
    {
        await using var c = await database.OpenAsync(http.RequestAborted);
        return await Settlements.FindAsync(c, id) is { } batch
            ? WireJson.Ok(View(batch, await Settlements.LinesAsync(c, batch)))
            : NotFound(id);
    }

    private static async Task<IResult> Payout(string id, HttpContext http, Database database)
    {
        await using var c = await database.OpenAsync(http.RequestAborted);
        if (await Settlements.FindAsync(c, id) is not { } batch)
        {
            return NotFound(id);
        }
        var csv = Settlements.PayoutCsv(batch, await Settlements.LinesAsync(c, batch));
        return Results.Bytes(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"{batch.BatchId}.csv");
    }

    private static async Task<IResult> Paid(string id, HttpContext http, Database database, TunaiOptions options, TimeProvider time)
    {
        var (document, error) = await RequestBody.ReadObjectAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        string reference;
        using (document)
        {
            var f = new FieldReader(document!.RootElement);
            var given = f.Text("reference", 128, required: true);
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            reference = given!;
        }
        var (outcome, batch) = await Settlements.PayAsync(database, id, reference, time.GetUtcNow().ToUnixTimeMilliseconds(),
            Audit.AuditActor.AdminToken(http), http.RequestAborted);
        return outcome switch
        {
            Settlements.PayOutcome.NotFound => NotFound(id),
            Settlements.PayOutcome.PaidWithAnotherReference => new ApiError(StatusCodes.Status409Conflict, "batch_already_paid",
                $"Settlement {id} was already marked paid with reference {batch!.PaidReference}", "reference"),
            _ => WireJson.Ok(View(batch!, null)),
        };
    }

    private static ApiError NotFound(string id) => ApiError.NotFound("settlement_not_found", $"No settlement batch has id {id}");

    public static SettlementBatchView View(SettlementBatch b, IReadOnlyList<SettlementLine>? lines) => new(
        b.BatchId, b.ClientId, b.BusinessDate, b.Status, b.Total, Time(b.ClosedAt), b.PaidAt is { } p ? Time(p) : null, b.PaidReference,
        lines?.Select(l => new SettlementLineView((int)l.Line, l.PayeeType, l.Payee, l.Account, l.Amount, l.CarriedForward,
            l.BankCode, l.AccountNumber, l.AccountName)).ToList());

    private static string Time(long ms) => WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(ms));
}
