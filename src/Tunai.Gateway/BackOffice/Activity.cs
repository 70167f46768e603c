namespace Tunai.Gateway.BackOffice;

/// <summary>
/// Consecutive time buckets of equal width, the last one holding "now": the overview's hours and days. The start
/// comes from the gateway's clock (the sandbox's test clock included), never from the database's own now, so
/// both databases cut the same buckets and a test that moves the clock knows where its data lands.
/// </summary>
public sealed record Buckets(long Start, long Width, int Count)
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    public long End => Start + Width * Count;

    /// <summary>The 24 hours up to now, per hour (whole WIB hours; the last one is the current, partial hour).</summary>
    public static Buckets Hours(DateTimeOffset now)
    {
        var wib = now.ToOffset(Wib);
        var hour = new DateTimeOffset(wib.Year, wib.Month, wib.Day, wib.Hour, 0, 0, Wib);
        return new Buckets(hour.AddHours(-23).ToUnixTimeMilliseconds(), (long)TimeSpan.FromHours(1).TotalMilliseconds, 24);
    }

    /// <summary>The 30 days up to now, per WIB day (Indonesia keeps no daylight saving: a day is always 24 hours).</summary>
    public static Buckets Days(DateTimeOffset now)
    {
        var wib = now.ToOffset(Wib);
        var midnight = new DateTimeOffset(wib.Year, wib.Month, wib.Day, 0, 0, 0, Wib);
        return new Buckets(midnight.AddDays(-29).ToUnixTimeMilliseconds(), (long)TimeSpan.FromDays(1).TotalMilliseconds, 30);
    }

    public bool PerHour => Width < TimeSpan.FromDays(1).TotalMilliseconds;

    /// <summary>When bucket <paramref name="i"/> begins, in WIB.</summary>
    public DateTimeOffset At(int i) => DateTimeOffset.FromUnixTimeMilliseconds(Start + Width * i).ToOffset(Wib);

    /// <summary>A bucket's start as a machine reads it (an attribute on its bar, a CSV cell): ISO 8601 with the offset.</summary>
    public string Key(int i) => At(i).ToString(PerHour ? "yyyy-MM-dd'T'HH:mm:sszzz" : "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A bucket's start as a person reads it under a bar.</summary>
    public string Label(int i) => At(i).ToString(PerHour ? "HH:mm" : "dd MMM", CultureInfo.InvariantCulture);

    /// <summary>A bucket as a screen reader says it (a bar's title, the table's row header).</summary>
    public string Name(int i) => At(i).ToString(PerHour ? "yyyy-MM-dd HH:mm 'WIB'" : "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>What happened in each bucket; every array has one value per bucket, zero (or null for a lag) when nothing did.</summary>
public sealed record Activity(
    Buckets Buckets,
    long[] Codes,
    long[] Payments,
    long[] Amount,
    long[] Reversals,
    long[] Deliveries,
    long[] Failures,
    long?[] LagP50,
    long?[] LagP95);

/// <summary>A notification endpoint (one merchant's one URL) over a window: its attempts, failures and latency.</summary>
public sealed record EndpointRow
{
    public required string ClientId { get; init; }
    public required string Name { get; init; }
    public string? Url { get; init; }
    public long Attempts { get; init; }
    public long Failures { get; init; }
    public long P50Ms { get; init; }
    public long P95Ms { get; init; }
    public long MaxMs { get; init; }
}

/// <summary>
/// The overview's figures, counted per bucket in SQL. The statements are the same text on both databases:
/// a bucket is <c>(t - start) / width</c> on whole milliseconds (integer division on both), and a percentile is the
/// nearest-rank row picked with window functions, which both have, rather than a percentile function only one has.
/// Every statement carries the merchant scope, as <see cref="BackOfficeQueries"/>' do.
/// </summary>
public static class ActivityQueries
{
    /// <summary>
    /// A bucket's row: its index from the first bucket, how many rows, and what the statement sums or ranks. Dapper
    /// fills it through the constructor where the columns' types are exactly these, else through the properties.
    /// </summary>
    private sealed record BucketRow(long Bucket, long N, long Total, long? P50, long? P95)
    {
        private BucketRow() : this(0, 0, 0, null, null)
        {
        }
    }

    /// <summary>
    /// The nearest-rank percentile of the rows ranked by <c>place</c> among <c>total</c>: the value at rank
    /// ceil(p/100 × total), written as integer arithmetic so neither database needs a CEIL function.
    /// </summary>
    private static string Percentile(string value, int p) =>
        $"MIN(CASE WHEN place = ({p} * total + 99) / 100 THEN {value} END)";

    public static async Task<Activity> ActivityAsync(DbConnection c, long? scope, Buckets b)
    {
        var p = new { scope, start = b.Start, width = b.Width, end = b.End };
        var codes = await CountsAsync(c, "payment_codes", "created_at", "0", p);
        var payments = await CountsAsync(c, "payments", "paid_at", "amount", p);
        var reversals = await CountsAsync(c, "payments", "reversed_at", "0", p);
        var failures = (await c.QueryAsync<BucketRow>(
            """
            SELECT bucket, count(*) AS n, 0 AS total
            FROM (SELECT (a.attempted_at - @start) / @width AS bucket
                  FROM notification_attempts a JOIN notifications n ON n.id = a.notification_id
                  WHERE a.attempted_at >= @start AND a.attempted_at < @end AND a.error IS NOT NULL
                    AND (@scope IS NULL OR n.merchant_id = @scope)) f
            GROUP BY bucket
            """, p)).ToList();
        var deliveries = (await c.QueryAsync<BucketRow>(
            $"""
            SELECT bucket, count(*) AS n, {Percentile("lag", 50)} AS p50, {Percentile("lag", 95)} AS p95
            FROM (SELECT (delivered_at - @start) / @width AS bucket, delivered_at - created_at AS lag,
                         ROW_NUMBER() OVER (PARTITION BY (delivered_at - @start) / @width ORDER BY delivered_at - created_at) AS place,
                         COUNT(*) OVER (PARTITION BY (delivered_at - @start) / @width) AS total
                  FROM notifications
                  WHERE delivered_at >= @start AND delivered_at < @end AND (@scope IS NULL OR merchant_id = @scope)) d
            GROUP BY bucket
            """, p)).ToList();
        return new Activity(b,
            Spread(b, codes, r => r.N), Spread(b, payments, r => r.N), Spread(b, payments, r => r.Total), Spread(b, reversals, r => r.N),
            Spread(b, deliveries, r => r.N), Spread(b, failures, r => r.N),
            Spread(b, deliveries, r => r.P50), Spread(b, deliveries, r => r.P95));
    }

    /// <summary>How many rows of <paramref name="table"/> fall in each bucket by <paramref name="time"/>, and the sum of <paramref name="sum"/>.</summary>
    private static async Task<List<BucketRow>> CountsAsync(DbConnection c, string table, string time, string sum, object p) =>
        (await c.QueryAsync<BucketRow>(
            $"""
            SELECT bucket, count(*) AS n, CAST(COALESCE(SUM(v), 0) AS BIGINT) AS total
            FROM (SELECT ({time} - @start) / @width AS bucket, {sum} AS v FROM {table}
                  WHERE {time} >= @start AND {time} < @end AND (@scope IS NULL OR merchant_id = @scope)) t
            GROUP BY bucket
            """, p)).ToList();

    /// <summary>One value per bucket: the row's where the statement gave one, the default (0, or null) elsewhere.</summary>
    private static T[] Spread<T>(Buckets b, IEnumerable<BucketRow> rows, Func<BucketRow, T> value)
    {
        var values = new T[b.Count];
        foreach (var row in rows.Where(r => r.Bucket >= 0 && r.Bucket < b.Count))
        {
            values[row.Bucket] = value(row);
        }
        return values;
    }

    /// <summary>The notification endpoints seen since <paramref name="since"/>, every one (the page sorts and cuts).</summary>
    public static async Task<IReadOnlyList<EndpointRow>> EndpointsAsync(DbConnection c, long? scope, long since, long end) =>
        (await c.QueryAsync<EndpointRow>(
            $"""
            SELECT client_id, name, url, count(*) AS attempts, SUM(failed) AS failures,
                   {Percentile("latency_ms", 50)} AS p50_ms, {Percentile("latency_ms", 95)} AS p95_ms, MAX(latency_ms) AS max_ms
            FROM (SELECT m.client_id, m.name, a.url, a.latency_ms, CASE WHEN a.error IS NULL THEN 0 ELSE 1 END AS failed,
                         ROW_NUMBER() OVER (PARTITION BY n.merchant_id, a.url ORDER BY a.latency_ms) AS place,
                         COUNT(*) OVER (PARTITION BY n.merchant_id, a.url) AS total
                  FROM notification_attempts a JOIN notifications n ON n.id = a.notification_id JOIN merchants m ON m.id = n.merchant_id
                  WHERE a.attempted_at >= @since AND a.attempted_at < @end AND (@scope IS NULL OR n.merchant_id = @scope)) e
            GROUP BY client_id, name, url
            """, new { scope, since, end })).ToList();

    /// <summary>The slowest endpoints first (by p95, then p50), at most <paramref name="limit"/>.</summary>
    public static IReadOnlyList<EndpointRow> Slowest(IEnumerable<EndpointRow> rows, int limit) =>
        rows.OrderByDescending(r => r.P95Ms).ThenByDescending(r => r.P50Ms).ThenBy(r => r.ClientId, StringComparer.Ordinal).Take(limit).ToList();

    /// <summary>The endpoints with failed attempts, most failures first, at most <paramref name="limit"/>.</summary>
    public static IReadOnlyList<EndpointRow> MostFailing(IEnumerable<EndpointRow> rows, int limit) =>
        rows.Where(r => r.Failures > 0).OrderByDescending(r => r.Failures).ThenByDescending(r => r.Attempts)
            .ThenBy(r => r.ClientId, StringComparer.Ordinal).Take(limit).ToList();
}
