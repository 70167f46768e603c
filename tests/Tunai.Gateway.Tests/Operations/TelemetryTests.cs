using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Tunai.Gateway.Telemetry;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Operations;

/// <summary>
/// Spans through OpenTelemetry's in-memory exporter, metrics through a collector on the gateway's own meter factory,
/// after real requests over HTTP. ActivitySources are process-wide, so spans are picked by the trace id the test sends.
/// </summary>
public sealed class TelemetryTests
{
    /// <summary>
    /// Runs a request under a trace of the test's own. The test's HttpClient is instrumented too (one process), so
    /// its client span carries the trace to the gateway as a real client's would.
    /// </summary>
    private static async Task<(T Result, ActivityTraceId Trace)> TracedAsync<T>(Func<Task<T>> request)
    {
        using var parent = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        // Sampled, as a caller's trace that wants the gateway's spans is.
        parent.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        return (await request(), parent.TraceId);
    }

    /// <summary>The gateway's spans of a trace: the test's own client spans hold the URLs the test called.</summary>
    private static Activity[] GatewaySpans(Spans spans, ActivityTraceId trace) =>
        Of(spans, trace).Where(s => !(s.Kind == ActivityKind.Client && s.Parent?.OperationName == "test")).ToArray();

    /// <summary>The exporter adds from the gateway's threads while the test reads.</summary>
    private sealed class Spans : System.Collections.ObjectModel.Collection<Activity>
    {
        protected override void InsertItem(int index, Activity item)
        {
            lock (this)
            {
                base.InsertItem(index, item);
            }
        }

        public Activity[] Snapshot()
        {
            lock (this)
            {
                return [.. this];
            }
        }
    }

    private static async Task<(GatewayHost Gateway, Spans Spans)> StartTracedAsync(params string[] settings)
    {
        var spans = new Spans();
        var gateway = await GatewayHost.StartWithAsync(b => b.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)), settings);
        return (gateway, spans);
    }

    private static Activity[] Of(Spans spans, ActivityTraceId trace) => spans.Snapshot().Where(s => s.TraceId == trace).ToArray();

    [Fact]
    public async Task CreateAndPaymentAreServerSpansThatShowOnlyTheCodesLastFourDigits()
    {
        var (gateway, spans) = await StartTracedAsync();
        await using var _ = gateway;
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);

        var (created, createTrace) = await TracedAsync(() => merchant.CreateAsync(TestMerchant.ValidCreate()));
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var code = (string)created.Json["online_to_offline_info"]!["payment_code"]!;
        var howToPay = new Uri((string)created.Json["online_to_offline_info"]!["how_to_pay_page"]!);

        var (paid, payTrace) = await TracedAsync(() => store.PayAsync(code, 150000));
        Assert.Equal(HttpStatusCode.OK, paid.Status);

        var (page, pageTrace) = await TracedAsync(() => gateway.Http.GetAsync(howToPay.PathAndQuery, TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        page.Dispose();

        // A server span ends once its response is written, which can be after the client has read it.
        await Eventually.WaitAsync(() => Of(spans, createTrace).Length > 0 && Of(spans, payTrace).Length > 0 && Of(spans, pageTrace).Length > 0,
            $"the three server spans (have {spans.Count}: {string.Join(", ", spans.Snapshot().Select(s => s.DisplayName + " " + s.TraceId))}; want {createTrace} {payTrace} {pageTrace})");
        var create = Assert.Single(Of(spans, createTrace), s => s.Kind == ActivityKind.Server);
        Assert.Equal(TestMerchant.CreatePath, create.GetTagItem("http.route"));
        Assert.Equal("****" + code[^4..], create.GetTagItem("tunai.payment_code"));
        Assert.Equal(merchant.ClientId, create.GetTagItem("tunai.merchant.client_id"));

        var pay = Assert.Single(Of(spans, payTrace), s => s.Kind == ActivityKind.Server);
        Assert.Equal(TestStore.PaymentPath, pay.GetTagItem("http.route"));
        Assert.Equal("****" + code[^4..], pay.GetTagItem("tunai.payment_code"));
        Assert.Equal(store.AcquirerId, pay.GetTagItem("tunai.acquirer"));

        // The page's URL holds the code and its unguessable token; the span holds the route's template instead.
        var pageSpan = Assert.Single(Of(spans, pageTrace), s => s.Kind == ActivityKind.Server);
        Assert.Equal("/how-to-pay/v2/alfa-online-to-offline/{code}/{token}", pageSpan.GetTagItem("url.path"));

        var token = howToPay.Segments[^1];
        var secrets = new[] { code, token, merchant.SecretKey, store.SecretKey, GatewayHost.AdminToken, "anton@example.com" };
        foreach (var span in GatewaySpans(spans, createTrace).Concat(GatewaySpans(spans, payTrace)).Concat(GatewaySpans(spans, pageTrace)))
        {
            Assert.DoesNotContain(span.DisplayName, secrets);
            foreach (var (key, value) in span.TagObjects)
            {
                var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                Assert.False(secrets.Any(secret => text.Contains(secret, StringComparison.Ordinal)), $"{span.DisplayName}: {key}={text} holds a secret or a whole code");
            }
        }
    }

    [Fact]
    public async Task ADeliveryIsATraceOfItsOwnLinkedToThePaymentWithTheMerchantCallAsItsChild()
    {
        var (gateway, spans) = await StartTracedAsync();
        await using var _ = gateway;
        await using var endpoint = await MerchantEndpoint.StartAsync();
        endpoint.Handler = _ => MerchantReply.Ok();
        var merchant = await endpoint.RegisterAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var attempts = new MetricCollector<long>(meters, GatewayTelemetry.Name, "tunai.notifications.attempts");
        using var lag = new MetricCollector<double>(meters, GatewayTelemetry.Name, "tunai.notifications.delivery_lag");
        var (code, _) = await merchant.CreateCodeAsync();

        var (paid, payTrace) = await TracedAsync(() => store.PayAsync(code, 150000));
        Assert.Equal(HttpStatusCode.OK, paid.Status);

        var delivery = await Eventually.WaitAsync(
            () => Task.FromResult(spans.Snapshot().FirstOrDefault(s => s.DisplayName == "notification deliver" && s.Links.Any(l => l.Context.TraceId == payTrace))),
            s => s is not null, "a delivery span linked to the payment's trace");
        var payment = Assert.Single(Of(spans, payTrace), s => s.Kind == ActivityKind.Server);
        Assert.Equal(payment.SpanId, Assert.Single(delivery!.Links).Context.SpanId);
        Assert.NotEqual(payTrace, delivery.TraceId);
        Assert.Equal("delivered", delivery.GetTagItem("tunai.outcome"));
        var call = Assert.Single(Of(spans, delivery.TraceId), s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http");
        Assert.Equal(delivery.SpanId, call.ParentSpanId);
        Assert.Equal("POST", call.GetTagItem("http.request.method"));

        var attempt = Assert.Single(attempts.GetMeasurementSnapshot());
        Assert.Equal("delivered", attempt.Tags["tunai.outcome"]);
        Assert.InRange(Assert.Single(lag.GetMeasurementSnapshot()).Value, 0, 60);
    }

    [Fact]
    public async Task MetricsCountAKnownSequenceOfCodesPaymentsRefusalsAndReversals()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var created = new MetricCollector<long>(meters, GatewayTelemetry.Name, "tunai.payment_codes.created");
        using var payments = new MetricCollector<long>(meters, GatewayTelemetry.Name, "tunai.payments");
        using var paidAmount = new MetricCollector<long>(meters, GatewayTelemetry.Name, "tunai.payments.amount");
        using var reversals = new MetricCollector<long>(meters, GatewayTelemetry.Name, "tunai.reversals");
        using var reversedAmount = new MetricCollector<long>(meters, GatewayTelemetry.Name, "tunai.reversals.amount");
        using var refusals = new MetricCollector<long>(meters, GatewayTelemetry.Name, "tunai.refusals");
        using var depth = new MetricCollector<long>(meters, GatewayTelemetry.Name, "tunai.outbox.depth");
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);

        var (first, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 150000));
        var (second, _) = await merchant.CreateCodeAsync(TestMerchant.ValidCreate(amount: 20000));
        await merchant.CreateCodeAsync();
        var invalid = await merchant.CreateRawAsync("{\"order\":{}}");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        var firstTrx = TestStore.NewTrxId();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(first, 150000, firstTrx)).Status);
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(second, 20000)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await store.PayAsync(second, 20000)).Status);
        Assert.Equal(HttpStatusCode.OK, (await store.ReverseAsync(first, firstTrx)).Status);

        Assert.Equal(3, created.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(2, payments.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(payments.GetMeasurementSnapshot(), m => Assert.Equal(store.AcquirerId, m.Tags["tunai.acquirer"]));
        Assert.Equal(170000, paidAmount.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, reversals.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(150000, reversedAmount.GetMeasurementSnapshot().EvaluateAsCounter());
        var reasons = refusals.GetMeasurementSnapshot().Select(m => (string)m.Tags["tunai.reason"]!).Order().ToList();
        Assert.Equal(["billing_already_paid", "invalid_field"], reasons);

        // The merchant has no notification URL: the two payments' and the reversal's notifications wait in the outbox.
        depth.RecordObservableInstruments();
        Assert.Equal(3, depth.LastMeasurement!.Value);
    }

    [Fact]
    public async Task PrometheusIsOffByDefaultAndBehindTheAdminTokenWhenOn()
    {
        await using (var plain = await GatewayHost.StartAsync())
        {
            using var none = await plain.Admin.GetAsync("/metrics", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }

        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Telemetry:Prometheus=true");
        var merchant = await gateway.CreateMerchantAsync();
        await merchant.CreateCodeAsync();
        using var anonymous = await gateway.Http.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var scrape = await gateway.Admin.GetAsync("/metrics", TestContext.Current.CancellationToken);
        var text = await scrape.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(scrape.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("tunai_payment_codes_created", text, StringComparison.Ordinal);
        Assert.Contains("tunai_outbox_depth", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrometheusOnItsOwnPortNeedsNoTokenThereAndIsAbsentFromTheApiPort()
    {
        // Port 0: the system gives a free port, which the gateway reads back once bound.
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:Telemetry:Prometheus=true", "Tunai:Telemetry:PrometheusPort=0");
        var port = gateway.Services.GetRequiredService<MetricsPort>().Port ?? throw new InvalidOperationException("no metrics port after start");
        Assert.NotEqual(0, port);
        Assert.NotEqual(port, gateway.BaseAddress.Port);
        var merchant = await gateway.CreateMerchantAsync();
        await merchant.CreateCodeAsync();

        using var scraper = new HttpClient();
        using var scrape = await scraper.GetAsync($"http://127.0.0.1:{port}/metrics", TestContext.Current.CancellationToken);
        var text = await scrape.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(scrape.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("tunai_payment_codes_created", text, StringComparison.Ordinal);

        // Not on the API's port, not even with the admin token; and the API is not on the metrics port.
        using var api = await gateway.Admin.GetAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        // Nor by naming the metrics port in the Host header: the connection's port decides.
        using var posing = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        posing.Headers.Host = $"127.0.0.1:{port}";
        using var posed = await gateway.Http.SendAsync(posing, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, posed.StatusCode);
        using var health = await gateway.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("Tunai:Telemetry:PrometheusPort=70000", "Tunai:Telemetry:Prometheus=true")]
    [InlineData("Tunai:Telemetry:PrometheusPort=-1", "Tunai:Telemetry:Prometheus=true")]
    [InlineData("Tunai:Telemetry:PrometheusPort=9464", "Tunai:Telemetry:Prometheus=false")]
    public void APrometheusPortThatCannotBeServedStopsTheStart(string port, string prometheus)
    {
        // Refused while the app is built, before any database is opened (so no test database is made for it).
        var refused = Assert.Throws<OptionsValidationException>(() => GatewayApp.Build(["--" + port, "--" + prometheus, "--urls=http://127.0.0.1:0"]));
        Assert.Contains("PrometheusPort", refused.Message, StringComparison.Ordinal);
    }
}
