using System.Globalization;
using System.Text;
using Microsoft.Playwright;
using Tunai.Gateway.HowToPay;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.HowToPay;

public class Code128Tests(Browser browser)
{
    // Expected values worked out by hand from ISO/IEC 15417: code set B value = ASCII - 32, code set C value =
    // the digit pair, Start B 104, Start C 105, Code C 99, Code B 100, Stop 106, checksum = (start value +
    // sum of position * value, positions from 1) mod 103.

    [Fact]
    public void EvenDigitStringIsAllCodeC()
    {
        // 105 + 1*12 + 2*34 + 3*56 + 4*78 = 665; 665 mod 103 = 47
        Assert.Equal([105, 12, 34, 56, 78, 47, 106], Code128.Encode("12345678"));
    }

    [Fact]
    public void ShortDigitRunStaysInCodeB()
    {
        // A=33 B=34 '-'=13 '1'=17 '2'=18; 104 + 33 + 68 + 39 + 68 + 90 = 402; 402 mod 103 = 93
        Assert.Equal([104, 33, 34, 13, 17, 18, 93, 106], Code128.Encode("AB-12"));
    }

    [Fact]
    public void FourDigitRunSwitchesToCodeCAndBack()
    {
        // I=41 N=46 V=54 '-'=13, Code C, 20 26, Code B, '/'=15 '1'=17 '1'=17;
        // 104 + 41 + 92 + 162 + 52 + 5*99 + 6*20 + 7*26 + 8*100 + 9*15 + 10*17 + 11*17 = 2540; 2540 mod 103 = 68
        Assert.Equal([104, 41, 46, 54, 13, 99, 20, 26, 100, 15, 17, 17, 68, 106], Code128.Encode("INV-2026/11"));
    }

    [Fact]
    public void OddLeadingDigitRunEndsInCodeB()
    {
        // Start C 12 34, Code B, '5'=21; 105 + 12 + 68 + 3*100 + 4*21 = 569; 569 mod 103 = 54
        Assert.Equal([105, 12, 34, 100, 21, 54, 106], Code128.Encode("12345"));
    }

    [Fact]
    public void OddDigitRunAfterTextKeepsItsFirstDigitInCodeB()
    {
        // A=33 '1'=17, Code C, 23 45; 104 + 33 + 34 + 3*99 + 4*23 + 5*45 = 785; 785 mod 103 = 64
        Assert.Equal([104, 33, 17, 99, 23, 45, 64, 106], Code128.Encode("A12345"));
    }

    [Fact]
    public void SixteenDigitPaymentCodeIsStartCEightPairsChecksumStop()
    {
        var values = Code128.Encode("8896512345678123");
        Assert.Equal(11, values.Count);
        Assert.Equal(105, values[0]);
        Assert.Equal([88, 96, 51, 23, 45, 67, 81, 23], values.Skip(1).Take(8));
        Assert.Equal(106, values[^1]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("caf\u00e9")]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("\u007f")]
    public void NonPrintableAsciiIsRefused(string text) =>
        Assert.ThrowsAny<ArgumentException>(() => Code128.Encode(text));

    [Fact]
    public void SvgIsAccessibleAndCrispWithAQuietZone()
    {
        var svg = Code128.Svg("A<&>\"1", moduleWidth: 3, height: 60);

        Assert.StartsWith("<svg ", svg, StringComparison.Ordinal);
        Assert.EndsWith("</svg>", svg, StringComparison.Ordinal);
        Assert.Contains("role=\"img\"", svg, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"A&lt;&amp;&gt;&quot;1\"", svg, StringComparison.Ordinal);
        Assert.Contains("shape-rendering=\"crispEdges\"", svg, StringComparison.Ordinal);
        // Start B, six data symbols, checksum: 8 * 11 modules, stop 13, quiet zones 2 * 10.
        var width = ((8 * 11) + 13 + 20) * 3;
        Assert.Contains($"viewBox=\"0 0 {width} 60\"", svg, StringComparison.Ordinal);
        Assert.Contains("<rect x=\"30\" y=\"0\" width=\"6\"", svg, StringComparison.Ordinal); // first bar after 10 modules
    }

    [Fact]
    public async Task EveryRenderedBarcodeDecodesBackToItsText()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var random = new Random(20261124);
        var texts = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            texts.Add(string.Concat(Enumerable.Range(0, 16).Select(_ => random.Next(10).ToString(CultureInfo.InvariantCulture))));
        }
        texts.AddRange(["1", "123", "12345", "1234567", "889651234567812", "INV-2026/11", "A12345", "AB-12", "Tunai 1.0"]);
        // Every code set C value 00..99 and every printable ASCII character, so each table entry the encoder
        // can emit is read at least once by the independent decoder.
        for (var start = 0; start < 100; start += 20)
        {
            texts.Add(string.Concat(Enumerable.Range(start, 20).Select(n => n.ToString("00", CultureInfo.InvariantCulture))));
        }
        var printable = new string(Enumerable.Range(' ', '~' - ' ' + 1).Select(c => (char)c).ToArray());
        texts.AddRange(printable.Chunk(24).Select(chunk => new string(chunk)));

        var html = new StringBuilder("<!DOCTYPE html><html><body style=\"margin:0;background:#fff\">");
        for (var i = 0; i < texts.Count; i++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div id=\"b{i}\" style=\"display:inline-block;padding:8px\">{Code128.Svg(texts[i])}</div>");
        }
        html.Append("</body></html>");

        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.SetContentAsync(html.ToString());

        var failures = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            var png = Artifacts.Screenshot($"code128-{i:00}.png");
            await page.Locator($"#b{i}").ScreenshotAsync(new LocatorScreenshotOptions { Path = png });
            var decoded = await BarcodeDecoder.DecodeAsync(png, cancellationToken);
            if (decoded.Count != 1 || decoded[0] != texts[i])
            {
                failures.Add($"{texts[i]} -> [{string.Join(", ", decoded)}] ({png})");
            }
        }
        Assert.True(failures.Count == 0, "Decoded differently:\n" + string.Join('\n', failures));
    }
}
