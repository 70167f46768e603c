using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// Known activity spread over the sandbox clock, for the overview's charts: made over real HTTP (codes created by two
/// merchants, paid and reversed at a store, notifications delivered to the merchants' own endpoints), the fake clock
/// moved between the steps so each lands in a known hour and day (WIB):
/// <list type="bullet">
/// <item>5 Dec 10:20: merchant A creates 2 codes, one paid (Rp150.000), its notification delivered at once.</item>
/// <item>7 Dec 08:20: A creates 1 code and B 1 code, each paid, each notification delivered at once.</item>
/// <item>7 Dec 10:20: A creates 3 codes and 2 are paid; the first one's notification fails once (HTTP 500) and is
/// delivered 10 s later, the second's at once; the second is reversed, and that notification is delivered at once.</item>
/// </list>
/// The page is then read at 7 Dec 10:20:10 WIB.
/// </summary>
public sealed partial class OverviewData : IAsyncLifetime
{
    public const long Amount = 150000;

    /// <summary>5 Dec 2026 10:20 WIB.</summary>
    public static readonly DateTimeOffset Start = new(2026, 12, 5, 3, 20, 0, TimeSpan.Zero);

    public GatewayHost Gateway { get; private set; } = null!;

    public MerchantEndpoint EndpointA { get; private set; } = null!;

    public MerchantEndpoint EndpointB { get; private set; } = null!;

    public TestMerchant A { get; private set; } = null!;

    public TestMerchant B { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync(Start);
        EndpointA = await MerchantEndpoint.StartAsync();
        EndpointB = await MerchantEndpoint.StartAsync();
        A = await EndpointA.RegisterAsync(Gateway);
        B = await EndpointB.RegisterAsync(Gateway);
        var store = await TestStore.CreateAsync(Gateway);

        var (first, _) = await A.CreateCodeAsync();
        await A.CreateCodeAsync();
        await PayAsync(store, first);
        await DeliveredAsync(1);

        Gateway.Time.Advance(TimeSpan.FromHours(46));
        var (a8, _) = await A.CreateCodeAsync();
        var (b8, _) = await B.CreateCodeAsync();
        await PayAsync(store, a8);
        await PayAsync(store, b8);
        await DeliveredAsync(3);

        Gateway.Time.Advance(TimeSpan.FromHours(2));
        var calls = 0;
        EndpointA.Handler = _ => Interlocked.Increment(ref calls) == 1 ? new MerchantReply(500, "{\"busy\":true}") : MerchantReply.Ok();
        var (late, _) = await A.CreateCodeAsync();
        var (reversed, _) = await A.CreateCodeAsync();
        await A.CreateCodeAsync();
        await PayAsync(store, late);
        await Eventually.WaitAsync(() => Gateway.CountAsync("SELECT count(*) FROM notification_attempts WHERE error IS NOT NULL"), n => n == 1, "the failed attempt");
        var trxId = await PayAsync(store, reversed);
        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(reversed, trxId)).Status);
        await DeliveredAsync(5);
        Gateway.Time.Advance(TimeSpan.FromSeconds(10));
        await DeliveredAsync(6);
    }

    private static async Task<string> PayAsync(TestStore store, string code)
    {
        var trxId = TestStore.NewTrxId();
        var paid = await store.PayAsync(code, Amount, trxId);
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        return trxId;
    }

    private async Task DeliveredAsync(long count) =>
        await Eventually.WaitAsync(() => Gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED'"), n => n == count, $"{count} deliveries");

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await EndpointA.DisposeAsync();
        await EndpointB.DisposeAsync();
    }

    /// <summary>A bucket's key as the chart writes it: an hour of 7 Dec (WIB), or a day of December.</summary>
    public static string Hour(int hour) => $"2026-12-07T{hour:00}:00:00+07:00";

    public static string Day(int day) => $"2026-12-{day:00}";

    /// <summary>Every bucket key of the page's window at 7 Dec 10:20:10 WIB: 6 Dec 11:00 to 7 Dec 10:00, or 8 Nov to 7 Dec.</summary>
    public static IReadOnlyList<string> Keys(bool hours) => hours
        ? Enumerable.Range(0, 24).Select(i => new DateTimeOffset(2026, 12, 6, 11, 0, 0, TimeSpan.FromHours(7)).AddHours(i)
            .ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)).ToList()
        : Enumerable.Range(0, 30).Select(i => new DateTime(2026, 11, 8).AddDays(i).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).ToList();

    /// <summary>One bar as the page drew it: its value (empty for none) and its height in the chart's units.</summary>
    public sealed record Bar(string Value, double Height);

    /// <summary>The bars of one chart (a figure by id) by series and bucket, read from the page's HTML.</summary>
    public static Dictionary<(string Series, string Bucket), Bar> Bars(string html, string chartId)
    {
        var start = html.IndexOf($"<figure class=\"chart\" id=\"{chartId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no chart {chartId}");
        var figure = html[start..html.IndexOf("</figure>", start, StringComparison.Ordinal)];
        Assert.Contains($"aria-labelledby=\"{chartId}-title {chartId}-desc\"", figure, StringComparison.Ordinal);
        return BarElement().Matches(figure).ToDictionary(
            // The attribute is HTML-encoded as served (the offset's + is &#x2B;).
            m => (m.Groups["series"].Value, WebUtility.HtmlDecode(m.Groups["bucket"].Value)),
            m => new Bar(m.Groups["value"].Value, double.Parse(m.Groups["height"].Value, CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Asserts a chart draws exactly the expected value in every bucket of its window (0, or none for a lag, where nothing
    /// happened), with bar heights in proportion to the values.
    /// </summary>
    public static void AssertChart(string html, string chartId, string series, bool hours, IReadOnlyDictionary<string, long> expected, bool emptyIsNone = false)
    {
        var bars = Bars(html, chartId);
        var keys = Keys(hours);
        // The scale is the chart's, shared by its series: its largest drawn value (each of which is checked below).
        var max = Math.Max(1, bars.Values.Where(b => b.Value.Length > 0).Select(b => long.Parse(b.Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max());
        foreach (var key in keys)
        {
            Assert.True(bars.TryGetValue((series, key), out var bar), $"{chartId}: no {series} bar for {key}");
            var want = expected.TryGetValue(key, out var v) ? v : (long?)null;
            var text = want?.ToString(CultureInfo.InvariantCulture) ?? (emptyIsNone ? "" : "0");
            Assert.True(text == bar.Value, $"{chartId} {series} {key}: drawn {bar.Value}, expected {text}");
            // The chart's plot is 120 units high, the largest value reaching the top.
            Assert.Equal(120.0 * (want ?? 0) / max, bar.Height, 0.01);
        }
        Assert.Empty(expected.Keys.Except(keys));
    }

    [GeneratedRegex("<rect class=\"bar [^\"]*\" data-series=\"(?<series>[^\"]+)\" data-bucket=\"(?<bucket>[^\"]+)\" data-value=\"(?<value>[^\"]*)\"[^>]*? height=\"(?<height>[0-9.]+)\"")]
    private static partial Regex BarElement();
}
