using System.Net;
using System.Text.RegularExpressions;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;
using static Tunai.Gateway.Tests.BackOffice.OverviewData;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// The overview's charts read as a program without JavaScript reads them (plain HTTP, the HTML as served): every bar of
/// every chart equals what <see cref="OverviewData"/> made happen in its hour or day, for all merchants, for one, and for a
/// merchant user, who sees its own figures only.
/// </summary>
public sealed partial class OverviewTests(OverviewData data) : IClassFixture<OverviewData>
{
    /// <summary>What happened in one hour or day, as its row of the table reads: where nothing is given, nothing happened.</summary>
    public sealed record Bucket(string Key, long Codes, long Payments, long Amount, long Reversals, long Deliveries, long Failures, long P50, long P95);

    /// <summary>What one view of the overview must draw, bucket by bucket, in its two windows.</summary>
    public sealed record Figures(Bucket[] Hours, Bucket[] Days);

    // The lag's p50 and p95 are nearest ranks: of 0, 0, 10000 ms (7 Dec 10:00) the 2nd and the 3rd; of 0, 0, 0, 0, 10000
    // (7 Dec, every merchant) the 3rd and the 5th.
    public static readonly Figures EveryMerchant = new(
        [new(Hour(8), 2, 2, 300000, 0, 2, 0, 0, 0), new(Hour(10), 3, 2, 300000, 1, 3, 1, 0, 10000)],
        [new(Day(5), 2, 1, 150000, 0, 1, 0, 0, 0), new(Day(7), 5, 4, 600000, 1, 5, 1, 0, 10000)]);

    public static readonly Figures MerchantA = new(
        [new(Hour(8), 1, 1, 150000, 0, 1, 0, 0, 0), new(Hour(10), 3, 2, 300000, 1, 3, 1, 0, 10000)],
        [new(Day(5), 2, 1, 150000, 0, 1, 0, 0, 0), new(Day(7), 4, 3, 450000, 1, 4, 1, 0, 10000)]);

    public static readonly Figures MerchantB = new(
        [new(Hour(8), 1, 1, 150000, 0, 1, 0, 0, 0)],
        [new(Day(7), 1, 1, 150000, 0, 1, 0, 0, 0)]);

    /// <summary>The charts of a window, by figure id, the series each draws, and that series' value in a bucket.</summary>
    private static readonly (string Chart, string Series, Func<Bucket, long> Value)[] Charts =
    [
        ("codes", "codes", b => b.Codes), ("payments", "payments", b => b.Payments), ("amount", "amount", b => b.Amount),
        ("reversals", "reversals", b => b.Reversals), ("notifications", "deliveries", b => b.Deliveries),
        ("notifications", "failures", b => b.Failures), ("lag", "lag-p50", b => b.P50), ("lag", "lag-p95", b => b.P95),
    ];

    internal static void AssertFigures(string html, Figures figures)
    {
        foreach (var (hours, window) in new[] { (true, figures.Hours), (false, figures.Days) })
        {
            foreach (var (chart, series, value) in Charts)
            {
                // A lag exists only where something was delivered; elsewhere its bar is empty, not zero.
                var lag = series.StartsWith("lag", StringComparison.Ordinal);
                var expected = window.Where(b => !lag || b.Deliveries > 0).ToDictionary(b => b.Key, value);
                AssertChart(html, $"{(hours ? "hours" : "days")}-{chart}", series, hours, expected, emptyIsNone: lag);
            }
        }
    }

    private async Task<BackOfficeHttp> SignedInAsync(string role, TestMerchant? merchant = null)
    {
        var client = new BackOfficeHttp(data.Gateway);
        var merchantId = merchant is null ? (long?)null : await BackOfficeAccounts.MerchantIdAsync(data.Gateway, merchant.ClientId);
        var signIn = await client.SignInAsync(await BackOfficeAccounts.AddAsync(data.Gateway, role, merchantId), BackOfficeAccounts.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.Status);
        return client;
    }

    [Fact]
    public async Task TheChartsOfEveryMerchantCountEachHourAndDay()
    {
        using var staff = await SignedInAsync(Roles.Viewer);

        var page = await staff.GetAsync("/backoffice");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        AssertFigures(page.Body, EveryMerchant);
        Assert.DoesNotContain("<script", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChoosingAMerchantChartsOnlyItsFigures()
    {
        using var staff = await SignedInAsync(Roles.Viewer);

        var a = await staff.GetAsync($"/backoffice?merchant={data.A.ClientId}");
        var b = await staff.GetAsync($"/backoffice?merchant={data.B.ClientId}");

        AssertFigures(a.Body, MerchantA);
        AssertFigures(b.Body, MerchantB);
        Assert.Contains($"<option value=\"{data.A.ClientId}\" selected", a.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMerchantUserSeesItsOwnFiguresOnlyWhateverItAsksFor()
    {
        using var merchantUser = await SignedInAsync(Roles.Merchant, data.B);

        foreach (var path in new[] { "/backoffice", $"/backoffice?merchant={data.A.ClientId}", "/backoffice?window=30d" })
        {
            var page = await merchantUser.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            AssertFigures(page.Body, MerchantB);
            // The language links carry the address back (with what the user typed in it); nothing else names A.
            var body = page.Body.Replace($"merchant%3D{data.A.ClientId}", "", StringComparison.Ordinal);
            Assert.DoesNotContain(data.A.ClientId, body, StringComparison.Ordinal);
            Assert.DoesNotContain(data.EndpointA.NotificationUrl, body, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"merchant\"", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EachWindowsNumbersAreAlsoATable()
    {
        using var staff = await SignedInAsync(Roles.Viewer);

        var page = await staff.GetAsync("/backoffice");

        Assert.Equal(["2026-12-07 10:00 WIB", "3", "2", "Rp300.000", "1", "3", "1", "0.0 s", "10.0 s"], Row(page.Body, "hours-table", Hour(10)));
        Assert.Equal(["2026-12-07 08:00 WIB", "2", "2", "Rp300.000", "0", "2", "0", "0.0 s", "0.0 s"], Row(page.Body, "hours-table", Hour(8)));
        Assert.Equal(["2026-12-07 09:00 WIB", "0", "0", "Rp0", "0", "0", "0", "–", "–"], Row(page.Body, "hours-table", Hour(9)));
        Assert.Equal(["2026-12-05", "2", "1", "Rp150.000", "0", "1", "0", "0.0 s", "0.0 s"], Row(page.Body, "days-table", Day(5)));
        Assert.Equal(24, Regex.Count(Section(page.Body, "hours-table"), "<tr data-bucket="));
        Assert.Equal(30, Regex.Count(Section(page.Body, "days-table"), "<tr data-bucket="));
    }

    [Fact]
    public async Task TheEndpointTablesNameEachMerchantsUrlWithItsAttemptsAndFailures()
    {
        using var staff = await SignedInAsync(Roles.Viewer);

        var day = await staff.GetAsync("/backoffice");
        var month = await staff.GetAsync("/backoffice?window=30d");

        // In the last 24 hours A's URL was tried 5 times (one 500), B's once; over 30 days A's once more (5 Dec).
        Assert.Equal((data.EndpointA.NotificationUrl, "5", "1"), Endpoint(day.Body, "failing", data.A.ClientId));
        Assert.Equal((data.EndpointA.NotificationUrl, "5", "1"), Endpoint(day.Body, "slowest", data.A.ClientId));
        Assert.Equal((data.EndpointB.NotificationUrl, "1", "0"), Endpoint(day.Body, "slowest", data.B.ClientId));
        Assert.DoesNotContain($"data-client-id=\"{data.B.ClientId}\"", Section(day.Body, "failing"), StringComparison.Ordinal);
        Assert.Equal((data.EndpointA.NotificationUrl, "6", "1"), Endpoint(month.Body, "failing", data.A.ClientId));

        using var merchantUser = await SignedInAsync(Roles.Merchant, data.B);
        var own = await merchantUser.GetAsync("/backoffice");
        Assert.Equal((data.EndpointB.NotificationUrl, "1", "0"), Endpoint(own.Body, "slowest", data.B.ClientId));
        Assert.Contains("<p id=\"failing\">No failed attempt.</p>", own.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownMerchantIsNotFound()
    {
        using var staff = await SignedInAsync(Roles.Viewer);

        var page = await staff.GetAsync("/backoffice?merchant=NO-SUCH-MERCHANT");

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.DoesNotContain("<figure", page.Body, StringComparison.Ordinal);
    }

    /// <summary>From the element with this id to the end of its table (or paragraph).</summary>
    private static string Section(string html, string id)
    {
        var start = html.IndexOf($"id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no #{id}");
        var end = html.IndexOf("</table>", start, StringComparison.Ordinal);
        return html[start..(end < 0 ? html.Length : end)];
    }

    /// <summary>A row of a window's table: its header cell, then its cells, as text.</summary>
    private static string[] Row(string html, string table, string bucket)
    {
        var section = Section(html, table);
        var row = TableRow().Matches(section).SingleOrDefault(m => WebUtility.HtmlDecode(m.Groups[1].Value) == bucket);
        Assert.True(row is not null, $"no row {bucket} in {table}");
        return Cell().Matches(row.Groups[2].Value).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToArray();
    }

    /// <summary>An endpoint table's row for a merchant: its URL, attempts and failures.</summary>
    private static (string Url, string Attempts, string Failures) Endpoint(string html, string table, string clientId)
    {
        var section = Section(html, table);
        var start = section.IndexOf($"data-client-id=\"{clientId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {clientId} in #{table}");
        var row = section[start..section.IndexOf("</tr>", start, StringComparison.Ordinal)];
        string Of(string css) => WebUtility.HtmlDecode(Regex.Match(row, $"<td class=\"{css}\">([^<]*)</td>").Groups[1].Value);
        return (Of("url"), Of("attempts"), Of("failures"));
    }

    [GeneratedRegex("<tr data-bucket=\"([^\"]+)\">(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex TableRow();

    [GeneratedRegex("<t[hd][^>]*>([^<]*)</t[hd]>")]
    private static partial Regex Cell();
}
