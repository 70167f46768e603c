using System.Diagnostics;
using System.Globalization;
using Dapper;
using Tunai.Chaos;
using Tunai.Gateway.Ledger;
using Tunai.Gateway.Tests.Infrastructure;

// scripts/chaos and bench/soak: see docs/chaos.md. Exit code 0 only when every invariant holds.
var options = ChaosOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("""
        usage: Tunai.Chaos [--minutes N] [--database sqlite|postgres] [--workers N] [--soak CSV]
          --minutes N     minutes of traffic (default 2; decimals allowed)
          --database      sqlite (default; one instance, restarted after each kill) or postgres (three instances on one
                          fresh database of the server in TUNAI_TEST_POSTGRES, one killed and restarted every few seconds)
          --workers N     concurrent tills (default 8)
          --soak CSV      no kills: one instance under the same traffic, its RSS, open files, threads, SQLite WAL size and
                          PostgreSQL connections written to CSV every 5 s
        """);
    return 2;
}
if (options.Postgres && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(TestDatabase.PostgresVariable)))
{
    Console.Error.WriteLine($"chaos: --database postgres needs {TestDatabase.PostgresVariable}, a connection string of a role with CREATEDB");
    return 2;
}
return await ChaosRun.RunAsync(options);

internal sealed record ChaosOptions(double Minutes, bool Postgres, int Workers, string? SoakCsv)
{
    public static ChaosOptions? Parse(string[] args)
    {
        var options = new ChaosOptions(2, false, 8, null);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--minutes" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0:
                    options = options with { Minutes = minutes };
                    break;
                case "--database" when value is "sqlite" or "postgres":
                    options = options with { Postgres = value == "postgres" };
                    break;
                case "--workers" when int.TryParse(value, CultureInfo.InvariantCulture, out var workers) && workers > 0:
                    options = options with { Workers = workers };
                    break;
                case "--soak" when value is not null:
                    options = options with { SoakCsv = value };
                    break;
                default:
                    return null;
            }
            i++;
        }
        return options;
    }
}

internal static class ChaosRun
{
    // After the traffic stops: how long every acknowledged payment has to reach its merchant, and the bound of the
    // whole run beyond its minutes of traffic (set-up, the last stories' resends, the drain, the checks).
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Overhead = TimeSpan.FromMinutes(6);

    public static async Task<int> RunAsync(ChaosOptions options)
    {
        var database = options.Postgres ? "postgres" : "sqlite";
        var soak = options.SoakCsv is not null;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(options.Minutes) + Overhead);
        var ct = deadline.Token;
        // A gateway that does not start again ends the run at once rather than at the deadline.
        async Task AbortOnFailure(Task task)
        {
            try
            {
                await task;
            }
            catch
            {
                await deadline.CancelAsync();
                throw;
            }
        }
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"chaos: {database}, {options.Minutes:0.##} min of traffic, {options.Workers} tills{(soak ? ", soak (no kills)" : "")}");
        await using var cluster = await Cluster.StartAsync(options.Postgres, options.Postgres && !soak ? 3 : 1, ct);
        var merchants = new List<ChaosMerchant>();
        Traffic? traffic = null;
        try
        {
            var (acquirerId, acquirerSecret) = await ChaosMerchant.CreateAcquirerAsync(cluster, ct);
            foreach (var kind in Enum.GetValues<MerchantKind>())
            {
                merchants.Add(await ChaosMerchant.CreateAsync(cluster, kind, ct));
            }
            traffic = new Traffic(cluster, merchants, acquirerId, acquirerSecret);
            var firstDay = Journal.BusinessDate(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            stop.CancelAfter(TimeSpan.FromMinutes(options.Minutes));
            var load = traffic.RunAsync(options.Workers, stop.Token, ct);
            var disorder = AbortOnFailure(soak ? SampleAsync(cluster, traffic, merchants, options.SoakCsv!, stop.Token) : KillAsync(cluster, options.Postgres, stop.Token, ct));
            await Task.WhenAll(load, disorder, ProgressAsync(cluster, traffic, merchants, stop.Token));
            Console.WriteLine($"chaos: traffic stopped after {clock.Elapsed.TotalSeconds:0} s; waiting for the notifications");

            await cluster.EnsureAllRunningAsync(ct);
            var drain = Stopwatch.StartNew();
            while (!Invariants.AllDelivered(traffic, merchants) && drain.Elapsed < DrainLimit)
            {
                await Task.Delay(500, ct);
            }
            var lastDay = Journal.BusinessDate(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var verdicts = await Invariants.CheckAsync(cluster, traffic, merchants, firstDay == lastDay ? [firstDay] : [firstDay, lastDay], ct);

            var acknowledged = traffic.Payments.Count(p => p.PaymentId is not null);
            Console.WriteLine($"""
                chaos: {database}, {clock.Elapsed.TotalSeconds:0} s
                  requests {traffic.Requests} (resent after a lost answer {traffic.Resends}), kills {cluster.Kills}, codes {traffic.Codes},
                  payments {acknowledged} acknowledged of {traffic.Payments.Count} sent, reversals {traffic.Payments.Count(p => p.Reversed)},
                  deliveries {Invariants.DeliveryCount(merchants)}, duplicates {traffic.Duplicates}
                """);
            foreach (var verdict in verdicts)
            {
                Console.WriteLine($"  {(verdict.Holds ? "ok  " : "FAIL")} {verdict.Name}: {verdict.Detail}");
            }
            Console.WriteLine(Resends(traffic));
            var holds = verdicts.All(v => v.Holds);
            Console.WriteLine(holds ? "chaos: every invariant holds" : "chaos: an invariant does not hold");
            return holds ? 0 : 1;
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or TimeoutException or IOException
            or HttpRequestException or System.Data.Common.DbException)
        {
            Console.WriteLine($"chaos: the run did not finish ({e.Message})\n{(traffic is null ? "" : Resends(traffic))}\n{cluster.Errors()}");
            return 1;
        }
        finally
        {
            foreach (var merchant in merchants)
            {
                await merchant.Endpoint.DisposeAsync();
            }
        }
    }

    private static string Resends(Traffic traffic) =>
        "  resent because: " + string.Join("; ", traffic.ResendReasons.OrderByDescending(r => r.Value).Take(8).Select(r => $"{r.Key} ×{r.Value}"));

    /// <summary>A line every 15 s, so a long run shows it is moving.</summary>
    private static async Task ProgressAsync(Cluster cluster, Traffic traffic, IReadOnlyList<ChaosMerchant> merchants, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(15), stop);
                Console.WriteLine($"chaos: {clock.Elapsed.TotalSeconds:0} s: requests {traffic.Requests}, kills {cluster.Kills}, " +
                    $"payments {traffic.Payments.Count(p => p.PaymentId is not null)}, deliveries {Invariants.DeliveryCount(merchants)}");
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the traffic is over
        }
    }

    /// <summary>
    /// SIGKILL at random moments: on SQLite the one instance 1-5 s after it answers again; on PostgreSQL one of the
    /// three every 1-4 s while at least two answer, restarted beside the others (a start takes 10-40 s on a busy
    /// 2-core machine, so waiting for it would make the kills rare).
    /// </summary>
    private static async Task KillAsync(Cluster cluster, bool postgres, CancellationToken stop, CancellationToken ct)
    {
        var random = new Random();
        var restarts = new List<Task>();
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(postgres ? 1000 + random.Next(3000) : 1000 + random.Next(4000)), stop);
                var running = Enumerable.Range(0, cluster.Count).Where(i => cluster.ProcessId(i) is not null).ToList();
                if (running.Count < (postgres ? 2 : 1))
                {
                    continue;
                }
                // The restart is not cut short when the traffic's time is up: the tills' last stories wait for it.
                var restart = cluster.KillAndRestartAsync(running[random.Next(running.Count)], ct);
                if (postgres)
                {
                    restarts.Add(restart);
                }
                else
                {
                    await restart;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the traffic is over
        }
        await Task.WhenAll(restarts);
    }

    /// <summary>Every 5 s: the instance's RSS, open file descriptors and threads, the WAL's size, the database's connections.</summary>
    private static async Task SampleAsync(Cluster cluster, Traffic traffic, IReadOnlyList<ChaosMerchant> merchants, string csv, CancellationToken stop)
    {
        await using var writer = new StreamWriter(csv);
        await writer.WriteLineAsync("seconds,rss_kb,open_fds,threads,wal_bytes,pg_connections,requests,payments,deliveries");
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                var pid = cluster.ProcessId(0) ?? throw new InvalidOperationException("the soak's gateway is not running");
                var status = File.ReadAllLines($"/proc/{pid}/status");
                long Field(string name) => long.Parse(status.First(l => l.StartsWith(name + ":", StringComparison.Ordinal))
                    .Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                var fds = Directory.GetFiles($"/proc/{pid}/fd").Length;
                var wal = cluster.WalPath is { } path && File.Exists(path) ? new FileInfo(path).Length.ToString(CultureInfo.InvariantCulture) : "";
                var connections = "";
                if (cluster.WalPath is null)
                {
                    await using var c = cluster.Database.Open(forReading: true);
                    // Not counting this connection itself.
                    connections = ((await c.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")) - 1)
                        .ToString(CultureInfo.InvariantCulture);
                }
                await writer.WriteLineAsync(string.Join(',', ((long)clock.Elapsed.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                    Field("VmRSS").ToString(CultureInfo.InvariantCulture), fds.ToString(CultureInfo.InvariantCulture),
                    Field("Threads").ToString(CultureInfo.InvariantCulture), wal, connections,
                    traffic.Requests.ToString(CultureInfo.InvariantCulture),
                    traffic.Payments.Count(p => p.PaymentId is not null).ToString(CultureInfo.InvariantCulture),
                    Invariants.DeliveryCount(merchants).ToString(CultureInfo.InvariantCulture)));
                await writer.FlushAsync(stop);
                await Task.Delay(TimeSpan.FromSeconds(5), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the soak is over
        }
    }
}
