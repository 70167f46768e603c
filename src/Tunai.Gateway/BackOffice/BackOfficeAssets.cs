namespace Tunai.Gateway.BackOffice;

/// <summary>The console's one style sheet, served from the gateway (no build step, no npm).</summary>
public static class BackOfficeAssets
{
    public const string Css =
        """
        :root { --ink: #1d2330; --muted: #4d5566; --line: #d5d9e0; --accent: #0b57d0; --bad: #a4161a; --good: #1b6e3a; --warn: #7a4d00; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--ink); background: #f6f7f9; }
        header.top { background: #fff; border-bottom: 1px solid var(--line); padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
        header.top .brand { font-weight: 700; margin-right: auto; }
        nav.main { display: flex; flex-wrap: wrap; gap: .25rem .75rem; }
        nav.main a, header.top a { color: var(--accent); }
        main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
        h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
        .scroll { overflow-x: auto; }
        dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: #fff; padding: .75rem; border: 1px solid var(--line); }
        dl.fields dt { font-weight: 600; color: var(--muted); }
        dl.fields dd { margin: 0; overflow-wrap: anywhere; }
        form.inline { display: inline; }
        form.stack label { display: block; margin: .5rem 0 .15rem; font-weight: 600; }
        input, select, textarea, button { font: inherit; padding: .4rem .5rem; border: 1px solid #8a93a3; border-radius: 4px; max-width: 100%; }
        textarea { width: 100%; min-height: 6rem; font-family: ui-monospace, monospace; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        button.danger { background: var(--bad); border-color: var(--bad); }
        .banner { padding: .5rem 1rem; font-weight: 600; }
        .banner.sandbox { background: #fff3c4; color: #5c3b00; border-bottom: 1px solid #e0c060; }
        .banner.clock { background: #ffe0e0; color: #6b0000; }
        .message { padding: .5rem .75rem; border-left: 4px solid var(--accent); background: #fff; margin: .75rem 0; }
        .message.error { border-color: var(--bad); color: var(--bad); }
        .status-PAID, .status-DELIVERED, .status-SUCCESS { color: var(--good); font-weight: 600; }
        .status-FAILED, .status-CANCELLED, .status-REVERSED { color: var(--bad); font-weight: 600; }
        .status-EXPIRED, .status-PENDING { color: var(--warn); font-weight: 600; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid var(--line); padding: .5rem; font-size: .9rem; }
        .differs { background: #ffe0e0; }
        .secret { font-family: ui-monospace, monospace; background: #fff3c4; padding: .15rem .3rem; }
        .pos { max-width: 26rem; background: #10231a; color: #b8f5c9; font-family: ui-monospace, monospace; padding: 1rem; border-radius: 6px; }
        .receipt { max-width: 22rem; background: #fff; font-family: ui-monospace, monospace; padding: 1rem; border: 1px dashed #888; white-space: pre-wrap; }
        form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .75rem 0; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr)); gap: .75rem; }
        figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); padding: .5rem; }
        figure.chart figcaption { font-weight: 600; }
        .chart-summary { font-weight: 400; color: var(--muted); }
        svg.chart-svg { display: block; width: 100%; height: auto; }
        svg.chart-svg .axis { font-size: 10px; fill: var(--muted); }
        svg.chart-svg .grid { stroke: var(--line); stroke-dasharray: 2 2; }
        svg.chart-svg .axis-line { stroke: #8a93a3; }
        .s-count { fill: var(--accent); background: var(--accent); }
        .s-money { fill: #6d28d9; background: #6d28d9; }
        .s-good { fill: var(--good); background: var(--good); }
        .s-bad { fill: var(--bad); background: var(--bad); }
        .s-warn { fill: #b45309; background: #b45309; }
        ul.legend { list-style: none; display: flex; gap: 1rem; margin: .25rem 0 0; padding: 0; font-size: .9rem; }
        .swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: middle; }
        details.numbers { margin: .75rem 0; }
        details.numbers summary { cursor: pointer; color: var(--accent); }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        a.csv { display: inline-block; margin: .5rem 0; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        @media (max-width: 40rem) { dl.fields { grid-template-columns: 1fr; } main { padding: .5rem; } }
        """;
}
