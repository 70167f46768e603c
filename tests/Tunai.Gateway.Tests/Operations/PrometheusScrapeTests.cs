using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Tunai.Gateway.Tests.Operations;

/// <summary>
/// What Prometheus sees after real traffic (codes, payments at a store, a delivered notification): each duration
/// histogram with bucket bounds that fit what it measures, and every metric the shipped Grafana dashboard and alert
/// rules (deploy/) name present in the scrape.
/// </summary>
public sealed partial class PrometheusScrapeTests
{
    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    [Fact]
    public async Task DurationHistogramsHaveBucketsThatFitAndTheDashboardAndAlertsNameOnlyMetricsThatExist()
    {
        var text = await ScrapeAfterTrafficAsync();

        // The SQLite writer's durations (on SQLite only) and the delivery lag, with their own bounds, not the default
        // 0, 5, 10, 25 ... 10000 that put every commit into le="5".
        var histograms = new Dictionary<string, double[]>
        {
            ["tunai_notifications_delivery_lag_seconds"] = Tunai.Gateway.Telemetry.GatewayTelemetry.DeliveryLagBuckets,
        };
        if (!TestDatabase.UsePostgres)
        {
            histograms["tunai_sqlite_commit_duration_seconds"] = SqliteWriter.DurationBuckets;
            histograms["tunai_sqlite_write_group_duration_seconds"] = SqliteWriter.DurationBuckets;
        }
        foreach (var (name, bounds) in histograms)
        {
            var found = Bounds(text, name);
            Assert.True(found.Count > 0, $"{name} has no buckets in the scrape:\n{text}");
            Assert.Equal(bounds, found);
            // Something was recorded, and not all of it beyond the last bound.
            Assert.True(Count(text, name + "_count") > 0, $"{name} recorded nothing");
            Assert.True(Bucket(text, name, bounds[^1]) > 0, $"{name}: every observation fell beyond {bounds[^1]} s");
        }
        // ASP.NET Core's request duration comes with its own bounds, from 5 ms.
        Assert.Contains(0.005, Bounds(text, "http_server_request_duration_seconds"));

        var named = DashboardMetrics().Concat(AlertMetrics()).Distinct().ToList();
        Assert.NotEmpty(named);
        var present = Present(text);
        var missing = named.Where(metric => !present.Contains(metric)
            && !(TestDatabase.UsePostgres && metric.StartsWith("tunai_sqlite_", StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, $"named in deploy/ but absent from a scrape: {string.Join(", ", missing)}");
    }

    [Fact]
    public void TheAlertRulesAreValidPrometheusRuleGroups()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Repository(), "deploy", "prometheus", "tunai-alerts.yaml")))
        {
            yaml.Load(reader);
        }
        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"];
        var rules = groups.Cast<YamlMappingNode>().SelectMany(g => (YamlSequenceNode)g["rules"]).Cast<YamlMappingNode>().ToList();
        Assert.NotEmpty(rules);
        foreach (var rule in rules)
        {
            var name = ((YamlScalarNode)rule["alert"]).Value!;
            Assert.False(string.IsNullOrWhiteSpace(((YamlScalarNode)rule["expr"]).Value), name);
            Assert.Contains(((YamlScalarNode)((YamlMappingNode)rule["labels"])["severity"]).Value, new[] { "page", "ticket" });
            Assert.False(string.IsNullOrWhiteSpace(((YamlScalarNode)((YamlMappingNode)rule["annotations"])["summary"]).Value), name);
        }
    }

    private static async Task<string> ScrapeAfterTrafficAsync()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Telemetry:Prometheus=true");
        await using var endpoint = await MerchantEndpoint.StartAsync();
        endpoint.Handler = _ => MerchantReply.Ok();
        var merchant = await endpoint.RegisterAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        var trxIds = new List<(string Code, string TrxId)>();
        for (var i = 0; i < 3; i++)
        {
            var (code, _) = await merchant.CreateCodeAsync();
            var trxId = TestStore.NewTrxId();
            Assert.Equal(HttpStatusCode.OK, (await store.InquiryAsync(code, trxId)).Status);
            Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000, trxId)).Status);
            trxIds.Add((code, trxId));
        }
        // A reversal and a refusal, so that their counters exist.
        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(trxIds[0].Code, trxIds[0].TrxId)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await merchant.CreateRawAsync("{}")).Status);
        await Eventually.WaitAsync(() => Task.FromResult(endpoint.CallsTo(MerchantEndpoint.NotificationPath)), c => c.Count >= 3, "3 notifications");

        // The delivery's lag is recorded after the merchant's answer: scrape until it shows.
        return await Eventually.WaitAsync(async () =>
        {
            using var scrape = await gateway.Admin.GetAsync("/metrics", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
            return await scrape.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        }, text => Count(text, "tunai_notifications_delivery_lag_seconds_count") >= 3, "the delivery lag in a scrape");
    }

    /// <summary>The metric names (series names without labels) in a scrape.</summary>
    private static HashSet<string> Present(string text) =>
        text.Split('\n').Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => SeriesName().Match(line).Value).ToHashSet(StringComparer.Ordinal);

    private static List<double> Bounds(string text, string histogram) =>
        BucketLine().Matches(text).Where(m => m.Groups["name"].Value == histogram + "_bucket")
            .Select(m => m.Groups["le"].Value).Where(le => le != "+Inf")
            .Select(le => double.Parse(le, CultureInfo.InvariantCulture)).Distinct().Order().ToList();

    private static double Bucket(string text, string histogram, double le) =>
        BucketLine().Matches(text).Where(m => m.Groups["name"].Value == histogram + "_bucket"
                && m.Groups["le"].Value != "+Inf" && double.Parse(m.Groups["le"].Value, CultureInfo.InvariantCulture) == le)
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    private static double Count(string text, string series) =>
        text.Split('\n').Where(line => SeriesName().Match(line).Value == series)
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>Every metric a panel of the dashboard queries.</summary>
    private static IEnumerable<string> DashboardMetrics()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository(), "deploy", "grafana", "tunai-dashboard.json")))!;
        var panels = dashboard["panels"]!.AsArray();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var targets = panel!["targets"]!.AsArray();
            Assert.NotEmpty(targets);
            foreach (var target in targets)
            {
                foreach (var metric in MetricsIn(target!["expr"]!.GetValue<string>()))
                {
                    yield return metric;
                }
            }
        }
    }

    private static List<string> AlertMetrics()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Repository(), "deploy", "prometheus", "tunai-alerts.yaml")))
        {
            yaml.Load(reader);
        }
        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"];
        return groups.Cast<YamlMappingNode>().SelectMany(g => (YamlSequenceNode)g["rules"]).Cast<YamlMappingNode>()
            .SelectMany(rule => MetricsIn(((YamlScalarNode)rule["expr"]).Value!)).ToList();
    }

    /// <summary>The series names a PromQL expression reads: Tunai's own and ASP.NET Core's, which is all deploy/ uses.</summary>
    private static IEnumerable<string> MetricsIn(string expr) =>
        MetricName().Matches(Grouping().Replace(Labels().Replace(expr, ""), "")).Select(m => m.Value);

    /// <summary>Label matchers, which name labels, not metrics.</summary>
    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Labels();

    [GeneratedRegex(@"\b(?:by|without)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"\b(?:tunai|http_server|aspnetcore|kestrel)_[a-zA-Z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^(?<name>[a-zA-Z0-9_]+)\{(?<labels>[^}]*?)le=""(?<le>[^""]+)""[^}]*\} (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex BucketLine();
}
