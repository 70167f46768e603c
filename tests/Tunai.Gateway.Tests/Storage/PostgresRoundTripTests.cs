using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Storage;

/// <summary>
/// How many times a request waits on PostgreSQL: each command or batch Npgsql sends (its spans) and each COMMIT (the
/// gateway's "db commit" span), counted in the request's own trace, so the notification worker and other background
/// work do not count. A count, not a time: it does not vary with the machine's load, and it is what bounds a
/// request's latency and the server's CPU on PostgreSQL. The figures are the ones the gateway has today
/// (docs/production.md lists them); a change that adds a round trip to a request fails here and says so.
/// </summary>
public sealed class PostgresRoundTripTests : IAsyncLifetime
{
    private static readonly ActivitySource Test = new("Tunai.Tests.RoundTrips");

    private readonly ConcurrentDictionary<ActivityTraceId, ConcurrentQueue<string>> _trips = new();

    /// <summary>Statements of no request on this gateway's database: its background work (the notification worker's among them), whole.</summary>
    private readonly ConcurrentQueue<string> _background = new();
    private string? _databaseName;
    private ActivityListener _listener = null!;
    private GatewayHost _gateway = null!;
    private TestMerchant _merchant = null!;
    private TestStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Tunai.Gateway" or "Tunai.Tests.RoundTrips"
                or "Microsoft.AspNetCore" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                // Other test classes' gateways run beside this one: only this gateway's database counts.
                if (activity.Parent is null && activity.Source.Name == "Npgsql"
                    && (activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name")) as string == _databaseName)
                {
                    _background.Enqueue(Text(activity));
                }
                if (activity.Source.Name == "Npgsql" || activity.OperationName == "db commit")
                {
                    _trips.GetOrAdd(activity.TraceId, _ => new()).Enqueue(activity.Source.Name == "Npgsql"
                        ? Statement(activity) : "COMMIT");
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
        var database = await TestDatabase.CreatePostgresAsync();
        await using (var connection = database.Open(forReading: false))
        {
            _databaseName = connection.Database;
        }
        _gateway = await GatewayHost.StartOnAsync(database);
        _merchant = await _gateway.CreateMerchantAsync(new { name = "Toko Round Trips" });
        _store = await TestStore.CreateAsync(_gateway);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _gateway.DisposeAsync();
    }

    /// <summary>Runs one request inside a trace of its own and returns the round trips it made.</summary>
    private async Task<(T Result, string[] Trips)> CountAsync<T>(Func<Task<T>> request)
    {
        T result;
        ActivityTraceId trace;
        using (var activity = Test.StartActivity("request", ActivityKind.Client))
        {
            trace = activity!.TraceId;
            result = await request();
        }
        // The server's spans end before the answer is written, so they are all counted by now.
        return (result, _trips.TryGetValue(trace, out var trips) ? [.. trips] : []);
    }

    [Fact]
    public async Task EachRequestKindMakesItsKnownNumberOfRoundTrips()
    {
        // Once unmeasured, so the merchant and acquirer are in the gateway's read caches, as they are under steady traffic.
        var (warmCode, _) = await _merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await _store.PayAsync(warmCode, 150000)).Status);

        var (created, createTrips) = await CountAsync(() => _merchant.CreateAsync(TestMerchant.ValidCreate(amount: 150000)));
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var code = (string)created.Json["online_to_offline_info"]!["payment_code"]!;

        var (inquiry, inquiryTrips) = await CountAsync(() => _store.InquiryAsync(code));
        Assert.Equal(HttpStatusCode.OK, inquiry.Status);

        var trx = TestStore.NewTrxId();
        var (paid, paymentTrips) = await CountAsync(() => _store.PayAsync(code, 150000, trx));
        Assert.Equal("success", TestStore.StatusOf(paid));

        var (replayed, replayTrips) = await CountAsync(() => _store.PayAsync(code, 150000, trx));
        Assert.Equal("success", TestStore.StatusOf(replayed));

        var report = $"create {Describe(createTrips)}\ninquiry {Describe(inquiryTrips)}\npayment {Describe(paymentTrips)}\n" +
            $"payment replay {Describe(replayTrips)}";
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        // The round trips each request kind costs (issue 32: one per create, at most two per payment). Fewer is progress: lower these with it.
        Assert.True(createTrips.Length == 1, report);
        Assert.True(inquiryTrips.Length == 2, report);
        Assert.True(paymentTrips.Length == 2, report);
        Assert.True(replayTrips.Length == 1, report);
    }

    [Fact]
    public async Task ANotificationsDeliveryIsRecordedInOneRoundTrip()
    {
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = await endpoint.RegisterAsync(_gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        _background.Clear();

        Assert.Equal("success", TestStore.StatusOf(await _store.PayAsync(code, 150000)));
        await Eventually.WaitAsync(() => _gateway.CountAsync(
            "SELECT count(*) FROM notification_attempts a JOIN notifications n ON n.id = a.notification_id JOIN payments p ON p.id = n.payment_id WHERE p.code = @code",
            ("code", code)), n => n == 1, "the delivery's attempt recorded");
        // The row is visible once the server committed; the worker's span ends when it has read the reply, a little later.
        await Eventually.WaitAsync(() => _background.Any(t => t.Contains("INSERT INTO notification_attempts", StringComparison.Ordinal)),
            "the recording's span");

        // The worker runs outside any request, so each of its round trips is a trace of its own. One of them records the
        // attempt: the outcome's update and the attempt log's row together, in one statement that needs no COMMIT (a
        // transaction would have sent them apart, and a COMMIT after them).
        var recording = _background.Where(t => t.Contains("INSERT INTO notification_attempts", StringComparison.Ordinal)
            || t.Contains("SET attempts = attempts + 1", StringComparison.Ordinal)).ToArray();
        var recorded = Assert.Single(recording);
        Assert.Contains("SET attempts = attempts + 1", recorded, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO notification_attempts", recorded, StringComparison.Ordinal);
        Assert.StartsWith("WITH", recorded, StringComparison.Ordinal);
    }

    /// <summary>The start of the statement a span sent, enough to tell one round trip from another in a report.</summary>
    private static string Statement(Activity activity)
    {
        var text = Text(activity);
        return text.Length <= 60 ? text : text[..60] + "…";
    }

    /// <summary>The statement a span sent, its white space folded.</summary>
    private static string Text(Activity activity)
    {
        var text = (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string ?? activity.DisplayName;
        return string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    private static string Describe(string[] trips) => $"{trips.Length}: {string.Join(" | ", trips)}";
}
