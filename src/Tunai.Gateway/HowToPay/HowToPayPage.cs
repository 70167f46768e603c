using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Tunai.Gateway.HowToPay;

/// <summary>What the "how to pay" page shows for one payment code.</summary>
/// <param name="MerchantName">The merchant's display name.</param>
/// <param name="PaymentCode">The code the customer tells the cashier, ungrouped.</param>
/// <param name="InvoiceNumber">The merchant's invoice number.</param>
/// <param name="Amount">The amount in whole rupiah.</param>
/// <param name="Status"><c>ACTIVE</c>, <c>PAID</c>, <c>CANCELLED</c> or <c>EXPIRED</c>.</param>
/// <param name="CreatedUtc">When the code was created.</param>
/// <param name="ExpiresUtc">When the code stops being payable.</param>
/// <param name="NowUtc">The time the page is rendered at, from the gateway's clock.</param>
/// <param name="Info">Optional free text from the merchant about the order.</param>
/// <param name="CustomerName">Optional name of the customer.</param>
/// <param name="Info2">Optional second line of the merchant's text (shown under <paramref name="Info"/>, as on the till).</param>
/// <param name="Info3">Optional third line.</param>
public sealed record HowToPayView(
    string MerchantName,
    string PaymentCode,
    string InvoiceNumber,
    long Amount,
    string Status,
    DateTimeOffset CreatedUtc,
    DateTimeOffset ExpiresUtc,
    DateTimeOffset NowUtc,
    string? Info,
    string? CustomerName,
    string? Info2 = null,
    string? Info3 = null);

/// <summary>
/// The customer-facing page for a payment code: <see cref="HowToPayDocument"/>, a Razor component rendered on the
/// server (Razor encodes every value), a single self-contained document (inline CSS and script, no fonts or other
/// requests) so it loads on a weak phone connection and prints cleanly. The endpoint serves it with static SSR;
/// <see cref="Render"/> gives the same document as a string.
/// </summary>
public static class HowToPayPage
{
    // Western Indonesian Time. Indonesia has no daylight saving time, so a fixed offset is exact.
    private static readonly TimeSpan WibOffset = TimeSpan.FromHours(7);

    // The renderer needs services for components' injections; this page has none.
    private static readonly IServiceProvider RendererServices = new ServiceCollection().AddLogging().BuildServiceProvider();

    /// <summary>The complete HTML document for <paramref name="view"/>.</summary>
    /// <exception cref="ArgumentException">The status is not one of the four known values.</exception>
    public static string Render(HowToPayView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        EffectiveState(view);
        return RenderDocument(view);
    }

    /// <summary>The page for a payment code that does not exist, in both languages.</summary>
    public static string RenderNotFound() => RenderDocument(null);

    // The component renders synchronously (no awaits inside), so waiting here does not block on anything.
    private static string RenderDocument(HowToPayView? view)
    {
        using var renderer = new HtmlRenderer(RendererServices, RendererServices.GetRequiredService<ILoggerFactory>());
        return renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<HowToPayDocument>(
                ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(HowToPayDocument.View)] = view }));
            return output.ToHtmlString();
        }).GetAwaiter().GetResult();
    }

    internal const string ExpiredCountdownText = "Kedaluwarsa · Expired";

    // An ACTIVE code past its expiry is expired even before the sweeper marks it so.
    internal static string EffectiveState(HowToPayView view) => view.Status switch
    {
        "ACTIVE" => view.NowUtc >= view.ExpiresUtc ? "EXPIRED" : "ACTIVE",
        "PAID" or "CANCELLED" or "EXPIRED" => view.Status,
        _ => throw new ArgumentException($"Unknown payment code status '{view.Status}'.", nameof(view)),
    };

    /// <summary>Groups of four from the left, the way the code is read out to a cashier.</summary>
    internal static string Group(string paymentCode) =>
        string.Join(' ', paymentCode.Chunk(4).Select(chunk => new string(chunk)));

    /// <summary>A moment as Western Indonesian Time, e.g. <c>24 Nov 2026 13:05 WIB</c>.</summary>
    internal static string Wib(DateTimeOffset moment) =>
        moment.ToOffset(WibOffset).ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture) + " WIB";

    // Same format as the script below, so the page reads right before (or without) the script.
    internal static string Remaining(TimeSpan left)
    {
        var seconds = (long)Math.Max(0, Math.Floor(left.TotalSeconds));
        return string.Create(CultureInfo.InvariantCulture,
            $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}");
    }

    internal const string StyleElement = "<style>" + Css + "</style>";

    private const string Css = """

        :root { color-scheme: light; --ink: #1b2230; --muted: #5d6677; --line: #e4e8ef; --bg: #f2f4f7; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
        body { margin: 0; padding: 24px 12px; background: var(--bg); color: var(--ink);
          font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif; }
        .card { max-width: 480px; margin: 0 auto; padding: 24px 20px; background: #fff; border-radius: 16px;
          box-shadow: 0 1px 3px rgba(16, 24, 40, .08), 0 8px 24px rgba(16, 24, 40, .06); }
        header { text-align: center; }
        .eyebrow, .label { margin: 0; color: var(--muted); font-size: .8rem; letter-spacing: .04em; text-transform: uppercase; }
        h1 { margin: .25rem 0 0; font-size: 1.2rem; font-weight: 600; overflow-wrap: anywhere; }
        .amount { margin: .25rem 0 0; font-size: 2.1rem; font-weight: 700; letter-spacing: -.01em; }
        .status { margin: 16px 0; padding: 12px 16px; border-radius: 12px; text-align: center; }
        .status p { margin: 0; }
        .status .state { font-size: 1.6rem; font-weight: 700; }
        .status .state-en { font-size: 1.1rem; font-weight: 600; margin-bottom: .5rem; }
        .status .state-line { font-weight: 700; }
        .status .state-line-en { font-size: .9rem; }
        .status-active { background: #fff7e0; color: #7a5200; }
        .status-paid { background: #e5f6ea; color: #14612e; }
        .status-void { background: #fdecec; color: #8a1c1c; }
        .status-muted { background: var(--bg); }
        .code { margin: 16px 0; padding: 16px 12px; border: 1px dashed #c9d0db; border-radius: 12px; text-align: center; }
        .payment-code { margin: .25rem 0 .75rem; font-size: clamp(1.3rem, 6vw, 1.7rem); font-weight: 700; letter-spacing: .04em;
          font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace; }
        .barcode svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
        .details { margin: 0; }
        .details div { display: flex; justify-content: space-between; gap: 16px; padding: 8px 0; border-bottom: 1px solid var(--line); }
        .details div:last-child { border-bottom: 0; }
        dt { flex: none; color: var(--muted); line-height: 1.3; }
        dt span { display: block; font-size: .8rem; }
        #expiry { white-space: nowrap; }
        dd { margin: 0; text-align: right; font-weight: 600; line-height: 1.3; overflow-wrap: break-word; }
        .countdown { margin: 16px 0 0; padding: 10px; border-radius: 10px; background: var(--bg); text-align: center; color: var(--muted); }
        #countdown { display: block; color: var(--ink); font-size: 1.4rem; font-weight: 700; font-variant-numeric: tabular-nums; }
        .steps h2 { margin: 24px 0 8px; font-size: 1rem; }
        .steps ol { margin: 0; padding-left: 1.4rem; }
        .steps li { margin: 6px 0; }
        .steps + .steps h2 { margin-top: 20px; padding-top: 16px; border-top: 1px solid var(--line); }
        .actions { margin-top: 24px; text-align: center; }
        button { padding: 10px 24px; border: 1px solid var(--ink); border-radius: 10px; background: #fff; color: var(--ink); font: inherit; cursor: pointer; }
        .expired .barcode, .expired .steps { display: none; }
        @media (max-width: 400px) {
          body { padding: 12px 8px; }
          .card { padding: 20px 14px; }
          .code { padding: 12px 4px; }
        }
        @media print {
          body { padding: 0; background: #fff; }
          .card { max-width: none; box-shadow: none; }
          .countdown, .actions { display: none; }
        }

        """;

    // Counts down from the gateway's clock rather than the phone's, which is often set wrong: the offset
    // between the two is taken once at load and applied on every tick.
    private const string ScriptText = """
        (function () {
          var print = document.getElementById('print');
          if (print) print.addEventListener('click', function () { window.print(); });
          var el = document.getElementById('countdown');
          if (!el) return;
          var expires = Number(el.getAttribute('data-expires-utc-ms'));
          var offset = Number(el.getAttribute('data-now-utc-ms')) - Date.now();
          function two(n) { return n < 10 ? '0' + n : String(n); }
          function tick() {
            var left = expires - (Date.now() + offset);
            if (left <= 0) {
              clearInterval(timer);
              el.textContent = el.getAttribute('data-expired-text');
              document.body.classList.add('expired');
              var status = document.getElementById('status');
              if (status) {
                status.className = 'status status-void';
                status.textContent = el.getAttribute('data-expired-text');
              }
              return;
            }
            var s = Math.floor(left / 1000);
            el.textContent = Math.floor(s / 3600) + ':' + two(Math.floor(s / 60) % 60) + ':' + two(s % 60);
          }
          var timer = setInterval(tick, 1000);
          tick();
        })();

        """;

    internal const string ScriptElement = "<script>" + ScriptText + "</script>\n";

    /// <summary>The CSP source that allows the page's one script and nothing else (no 'unsafe-inline').</summary>
    public static readonly string ScriptHashSource =
        $"'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(ScriptText)))}'";
}
