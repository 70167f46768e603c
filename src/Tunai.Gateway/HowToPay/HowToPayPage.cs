using System.Globalization;
using System.Net;
using System.Text;

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
/// The customer-facing page for a payment code: a single self-contained HTML document (inline CSS and
/// script, no fonts or other requests) so it loads on a weak phone connection and prints cleanly.
/// </summary>
public static class HowToPayPage
{
    // Western Indonesian Time. Indonesia has no daylight saving time, so a fixed offset is exact.
    private static readonly TimeSpan WibOffset = TimeSpan.FromHours(7);

    /// <summary>The complete HTML document for <paramref name="view"/>.</summary>
    /// <exception cref="ArgumentException">The status is not one of the four known values.</exception>
    public static string Render(HowToPayView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var state = EffectiveState(view);
        var active = state == "ACTIVE";
        var amount = Rupiah.Format(view.Amount);

        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <main class="card">
            <header>
            <p class="eyebrow">Bayar di Alfamart · Pay at Alfamart</p>
            <h1 id="merchant">{E(view.MerchantName)}</h1>
            <p id="amount" class="amount">{E(amount)}</p>
            </header>

            """);
        body.Append(StatusBlock(state, view.MerchantName));

        body.Append(CultureInfo.InvariantCulture, $"""
            <section class="code">
            <p class="label">Kode pembayaran · Payment code</p>
            <p id="payment-code" class="payment-code">{E(Group(view.PaymentCode))}</p>

            """);
        if (active)
        {
            body.Append(CultureInfo.InvariantCulture,
                $"<div id=\"barcode\" class=\"barcode\">{Code128.Svg(view.PaymentCode)}</div>\n");
        }
        body.Append("</section>\n<dl class=\"details\">\n");
        Detail(body, "invoice", "No. invoice", "Invoice", view.InvoiceNumber);
        if (!string.IsNullOrWhiteSpace(view.CustomerName))
        {
            Detail(body, "customer", "Pelanggan", "Customer", view.CustomerName);
        }
        Detail(body, "expiry", "Bayar sebelum", "Pay before", Wib(view.ExpiresUtc));
        // info, info2 and info3 are the merchant's lines on the till's screen; the page shows the same lines.
        foreach (var (id, line) in new[] { ("info", view.Info), ("info2", view.Info2), ("info3", view.Info3) })
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                Detail(body, id, "Keterangan", "Details", line);
            }
        }
        body.Append("</dl>\n");

        if (active)
        {
            var expiresMs = view.ExpiresUtc.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            var nowMs = view.NowUtc.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            body.Append(CultureInfo.InvariantCulture, $"""
                <p class="countdown">Sisa waktu · Time left
                <span id="countdown" data-expires-utc-ms="{E(expiresMs)}" data-now-utc-ms="{E(nowMs)}" data-expired-text="{E(ExpiredCountdownText)}">{E(Remaining(view.ExpiresUtc - view.NowUtc))}</span></p>

                """);
            foreach (var instruction in HowToPayInstructions.For(view.PaymentCode, view.Amount, view.MerchantName))
            {
                var heading = instruction.Language == "id" ? "Cara bayar di kasir" : "How to pay at the cashier";
                body.Append(CultureInfo.InvariantCulture,
                    $"<section class=\"steps\" id=\"steps-{E(instruction.Language)}\" lang=\"{E(instruction.Language)}\">\n<h2>{E(heading)}</h2>\n<ol>\n");
                foreach (var step in instruction.Step)
                {
                    body.Append(CultureInfo.InvariantCulture, $"<li>{E(step)}</li>\n");
                }
                body.Append("</ol>\n</section>\n");
            }
        }

        body.Append("""
            <div class="actions"><button type="button" id="print">Cetak · Print</button></div>
            </main>

            """);
        // Always the same script, so the page's CSP allows it by its hash and no inline script or handler runs.
        body.Append(Script);

        return Document($"{view.MerchantName}: {Group(view.PaymentCode)}", body.ToString());
    }

    /// <summary>The page for a payment code that does not exist, in both languages.</summary>
    public static string RenderNotFound() => Document("Kode pembayaran tidak ditemukan", """
        <main class="card">
        <div id="status" class="status status-muted" role="status">
        <p class="state" lang="id">Kode pembayaran tidak ditemukan</p>
        <p class="state-en" lang="en">Payment code not found</p>
        <p lang="id">Periksa kembali tautan yang Anda terima dari merchant.</p>
        <p lang="en">Check the link you received from the merchant.</p>
        </div>
        </main>

        """);

    private const string ExpiredCountdownText = "Kedaluwarsa · Expired";

    // An ACTIVE code past its expiry is expired even before the sweeper marks it so.
    private static string EffectiveState(HowToPayView view) => view.Status switch
    {
        "ACTIVE" => view.NowUtc >= view.ExpiresUtc ? "EXPIRED" : "ACTIVE",
        "PAID" or "CANCELLED" or "EXPIRED" => view.Status,
        _ => throw new ArgumentException($"Unknown payment code status '{view.Status}'.", nameof(view)),
    };

    private static string StatusBlock(string state, string merchantName) => state switch
    {
        "ACTIVE" => """
            <div id="status" class="status status-active" role="status">
            <p class="state-line" lang="id">Menunggu pembayaran</p>
            <p class="state-line-en" lang="en">Awaiting payment</p>
            </div>

            """,
        "PAID" => """
            <div id="status" class="status status-paid" role="status">
            <p class="state" lang="id">Sudah dibayar</p>
            <p class="state-en" lang="en">Paid</p>
            <p lang="id">Pembayaran ini sudah diterima. Terima kasih.</p>
            <p lang="en">This payment has been received. Thank you.</p>
            </div>

            """,
        "CANCELLED" => """
            <div id="status" class="status status-void" role="status">
            <p class="state" lang="id">Dibatalkan</p>
            <p class="state-en" lang="en">Cancelled</p>
            <p lang="id">Kode pembayaran ini sudah dibatalkan. Jangan membayar dengan kode ini.</p>
            <p lang="en">This payment code has been cancelled. Do not pay with it.</p>
            </div>

            """,
        _ => $"""
            <div id="status" class="status status-void" role="status">
            <p class="state" lang="id">Kedaluwarsa</p>
            <p class="state-en" lang="en">Expired</p>
            <p lang="id">Batas waktu pembayaran sudah lewat. Hubungi {E(merchantName)} untuk kode pembayaran baru.</p>
            <p lang="en">The time to pay has passed. Ask {E(merchantName)} for a new payment code.</p>
            </div>

            """,
    };

    private static void Detail(StringBuilder body, string id, string indonesian, string english, string value) =>
        body.Append(CultureInfo.InvariantCulture,
            $"<div><dt>{E(indonesian)}<span lang=\"en\">{E(english)}</span></dt><dd id=\"{E(id)}\">{E(value)}</dd></div>\n");

    /// <summary>Groups of four from the left, the way the code is read out to a cashier.</summary>
    internal static string Group(string paymentCode) =>
        string.Join(' ', paymentCode.Chunk(4).Select(chunk => new string(chunk)));

    /// <summary>A moment as Western Indonesian Time, e.g. <c>24 Nov 2026 13:05 WIB</c>.</summary>
    internal static string Wib(DateTimeOffset moment) =>
        moment.ToOffset(WibOffset).ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture) + " WIB";

    // Same format as the script below, so the page reads right before (or without) the script.
    private static string Remaining(TimeSpan left)
    {
        var seconds = (long)Math.Max(0, Math.Floor(left.TotalSeconds));
        return string.Create(CultureInfo.InvariantCulture,
            $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}");
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);

    private static string Document(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="id">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <meta name="referrer" content="no-referrer">
        <title>{{E(title)}}</title>
        <style>{{Css}}</style>
        </head>
        <body>
        {{body}}</body>
        </html>

        """;

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

    private const string Script = "<script>" + ScriptText + "</script>\n";

    /// <summary>The CSP source that allows the page's one script and nothing else (no 'unsafe-inline').</summary>
    public static readonly string ScriptHashSource =
        $"'sha256-{Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(ScriptText)))}'";
}
