using Tunai.Gateway.Audit;
using Tunai.Gateway.Reconciliation;
using Tunai.Gateway.Settlement;

namespace Tunai.Gateway.BackOffice;

/// <summary>
/// Every list page's rows as a CSV file, at the page's address with <c>.csv</c> and the page's own query string: the
/// same filters, read by the same calls, with the same merchant scope and the same refusals (a merchant user gets its
/// own rows; a page its role may not open is refused here too). Cells go through <see cref="Csv"/>, so a value a
/// spreadsheet would take for a formula is shown as text. A file holds up to <see cref="MaxRows"/> rows where the page
/// shows fewer; times are WIB with their offset, as the pages show them.
/// </summary>
public static class CsvExports
{
    public const int MaxRows = 10_000;

    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    public static WebApplication MapBackOfficeCsv(this WebApplication app)
    {
        Map(app, "search", async (http, me, c) =>
        {
            var q = http.Request.Query["q"].ToString();
            var rows = string.IsNullOrWhiteSpace(q) || q.Length > 200 ? [] : await BackOfficeQueries.SearchAsync(c, q, me.Scope);
            return Codes(rows, http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds());
        });
        Map(app, "notifications", async (http, me, c) =>
        {
            var query = http.Request.Query;
            var rows = await BackOfficeQueries.NotificationsAsync(c,
                BackOfficeQueries.NotificationFilter.For(me, query["merchant"], query["status"], query["since"], MaxRows));
            var csv = new StringBuilder(Csv.Row("notification_id", "created_at", "client_id", "code", "payment_id", "event", "status",
                "attempts", "max_attempts", "last_status", "last_error", "delivered_at", "request_id"));
            foreach (var n in rows)
            {
                csv.Append(Csv.Row(Csv.Text(n.NotificationId), Time(n.CreatedAt), Csv.Text(n.ClientId), Csv.Text(n.Code), Csv.Text(n.PaymentPublicId),
                    Csv.Text(n.Event), Csv.Text(n.Status), Csv.Number(n.Attempts), Csv.Number(n.MaxAttempts),
                    n.LastStatus is { } s ? Csv.Number(s) : "", Csv.Text(me.DeliveryError(n.LastError)), Time(n.DeliveredAt), Csv.Text(n.RequestId)));
            }
            return csv.ToString();
        });
        Map(app, "merchants", async (http, me, c) =>
        {
            var csv = new StringBuilder(Csv.Row("name", "client_id", "code_prefix", "notification_url", "inquiry_url", "created_at"));
            foreach (var m in await BackOfficeQueries.MerchantsAsync(c, me.Scope))
            {
                csv.Append(Csv.Row(Csv.Text(m.Name), Csv.Text(m.ClientId), Csv.Text(m.CodePrefix), Csv.Text(m.NotificationUrl),
                    Csv.Text(m.InquiryUrl), Time(m.CreatedAt)));
            }
            return csv.ToString();
        });
        Map(app, "settlements", async (http, me, c) =>
        {
            var query = http.Request.Query;
            var csv = new StringBuilder(Csv.Row("batch_id", "client_id", "business_date", "status", "total", "closed_at", "paid_at", "paid_reference"));
            foreach (var b in await Settlements.ListAsync(c, me.IsStaff ? Clean(query["merchant"]) : null, Clean(query["date"]), me.Scope))
            {
                csv.Append(Csv.Row(Csv.Text(b.BatchId), Csv.Text(b.ClientId), Csv.Text(b.BusinessDate), Csv.Text(b.Status), Csv.Number(b.Total),
                    Time(b.ClosedAt), Time(b.PaidAt), Csv.Text(b.PaidReference)));
            }
            return csv.ToString();
        });
        Map(app, "reconciliations", async (http, me, c) =>
        {
            // The acquirers' files are the operator's business: a merchant user has no such page, nor its file.
            if (!me.IsStaff)
            {
                return null;
            }
            var (_, acquirer) = await BackOfficeQueries.AcquirersAsync(c, Clean(http.Request.Query["acquirer"]));
            var csv = new StringBuilder(Csv.Row(["reconciliation_id", "acquirer", "business_date", "imported_at", .. ReconciliationClass.All.Select(k => k.ToLowerInvariant())]));
            foreach (var r in acquirer is null ? [] : await Reconciler.ListAsync(c, acquirer))
            {
                csv.Append(Csv.Row([Csv.Text(r.Id), Csv.Text(r.Acquirer), Csv.Text(r.Date), Csv.Text(r.CreatedAt),
                    .. ReconciliationClass.All.Select(k => Csv.Number(r.Counts[k]))]));
            }
            return csv.ToString();
        });
        Map(app, "audit", async (http, me, c) =>
        {
            var query = http.Request.Query;
            var csv = new StringBuilder(Csv.Row("at", "actor", "role", "address", "action", "target", "before", "after"));
            foreach (var e in await AuditTrail.ListAsync(c, new AuditTrail.Filter(Clean(query["actor"]), Clean(query["action"]), null, null, MaxRows)))
            {
                csv.Append(Csv.Row(Time(e.At), Csv.Text(e.Actor), Csv.Text(e.Role), Csv.Text(e.Address), Csv.Text(e.Action), Csv.Text(e.Target),
                    Csv.Text(e.Before), Csv.Text(e.After)));
            }
            return csv.ToString();
        }, Capability.Administer);
        Map(app, "operators", async (http, me, c) =>
        {
            var merchants = (await BackOfficeQueries.MerchantsAsync(c, null)).ToDictionary(m => m.Id, m => m.ClientId);
            var csv = new StringBuilder(Csv.Row("email", "role", "client_id", "created_at"));
            foreach (var o in await Operators.ListAsync(c))
            {
                csv.Append(Csv.Row(Csv.Text(o.Email), Csv.Text(o.Role),
                    Csv.Text(o.MerchantId is { } id && merchants.TryGetValue(id, out var clientId) ? clientId : null), Time(o.CreatedAt)));
            }
            return csv.ToString();
        }, Capability.Administer);
        return app;
    }

    /// <summary>
    /// GET /backoffice/{name}.csv for a signed-in user with <paramref name="needs"/>: 403 without it (as the page refuses),
    /// 404 when the build gives no file (a page this user does not have).
    /// </summary>
    private static void Map(WebApplication app, string name, Func<HttpContext, Actor, DbConnection, Task<string?>> build,
        Capability needs = Capability.Read) =>
        app.MapGet($"/backoffice/{name}.csv", async (HttpContext http, Database database) =>
        {
            var me = Actor.From(http.User)!;
            if (!me.Can(needs))
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }
            await using var c = await database.OpenAsync(http.RequestAborted);
            return await build(http, me, c) is { } csv
                ? Results.Bytes(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", $"{name}.csv")
                : Results.NotFound();
        }).RequireAuthorization();

    /// <summary>Codes as the code table lists them (the search page's results).</summary>
    private static string Codes(IEnumerable<CodeRow> rows, long nowMs)
    {
        var csv = new StringBuilder(Csv.Row("code", "client_id", "merchant", "invoice_number", "amount", "status", "customer_name", "created_at", "expires_at"));
        foreach (var r in rows)
        {
            csv.Append(Csv.Row(Csv.Text(r.Code), Csv.Text(r.ClientId), Csv.Text(r.MerchantName), Csv.Text(r.InvoiceNumber), Csv.Number(r.Amount),
                Csv.Text(r.StatusAt(nowMs)), Csv.Text(r.CustomerName), Time(r.CreatedAt), Time(r.ExpiresAt)));
        }
        return csv.ToString();
    }

    /// <summary>A moment in WIB with its offset (2026-12-07T10:20:00+07:00), empty for none.</summary>
    private static string Time(long? unixMs) => unixMs is { } ms
        ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToOffset(Wib).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)
        : "";

    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
