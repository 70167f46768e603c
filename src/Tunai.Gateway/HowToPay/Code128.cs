using System.Net;

namespace Tunai.Gateway.HowToPay;

/// <summary>
/// Code 128 (ISO/IEC 15417) for the barcode a cashier scans instead of typing the payment code.
/// Only code sets B and C are used: B covers printable ASCII, C packs two digits per symbol.
/// </summary>
public static class Code128
{
    private const int CodeC = 99;
    private const int CodeB = 100;
    private const int StartB = 104;
    private const int StartC = 105;
    private const int Stop = 106;
    private const int QuietZoneModules = 10;

    // Bar and space widths in modules for symbol values 0..106, bar first, as listed in ISO/IEC 15417
    // table 1. Every symbol is 11 modules wide; the stop symbol (106) has a seventh element, the
    // 2-module termination bar, which makes it 13.
    private static readonly string[] Patterns =
    [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", // 0-9
        "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", // 10-19
        "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", // 20-29
        "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313", // 30-39
        "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331", // 40-49
        "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111", // 50-59
        "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214", // 60-69
        "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", // 70-79
        "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141", // 80-89
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141", // 90-99
        "114131", "311141", "411131", "211412", "211214", "211232", "2331112",                               // 100-106
    ];

    /// <summary>
    /// The symbol values of <paramref name="text"/>: start code, data, checksum and stop.
    /// Runs of four or more digits (and a whole digit string of even length) go in code set C,
    /// everything else in code set B, following the minimal-length rules of ISO/IEC 15417 annex E.
    /// </summary>
    /// <exception cref="ArgumentException">The text is empty or has a character outside printable ASCII.</exception>
    public static IReadOnlyList<int> Encode(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException(
                    $"Code 128 here takes printable ASCII only; found U+{(int)c:X4}.", nameof(text));
            }
        }

        var values = new List<int>(text.Length + 4);
        var leadingDigits = DigitRun(text, 0);
        var inC = leadingDigits >= 4 || (leadingDigits == text.Length && leadingDigits % 2 == 0);
        values.Add(inC ? StartC : StartB);

        var i = 0;
        while (i < text.Length)
        {
            var run = DigitRun(text, i);
            if (inC)
            {
                if (run >= 2)
                {
                    values.Add(((text[i] - '0') * 10) + (text[i + 1] - '0'));
                    i += 2;
                }
                else
                {
                    values.Add(CodeB);
                    inC = false;
                }
            }
            else if (run >= 4)
            {
                // An odd run leaves its first digit in B so that C gets whole pairs.
                if (run % 2 == 1)
                {
                    values.Add(text[i] - ' ');
                    i++;
                }
                values.Add(CodeC);
                inC = true;
            }
            else
            {
                values.Add(text[i] - ' ');
                i++;
            }
        }

        var sum = values[0];
        for (var position = 1; position < values.Count; position++)
        {
            sum += position * values[position];
        }
        values.Add(sum % 103);
        values.Add(Stop);
        return values;
    }

    /// <summary>
    /// A standalone <c>&lt;svg&gt;</c> element drawing <paramref name="text"/> as a Code 128 barcode,
    /// with a white background and a quiet zone of ten modules each side.
    /// </summary>
    /// <param name="text">Printable ASCII to encode.</param>
    /// <param name="moduleWidth">Width of the narrowest bar, in SVG user units (pixels at scale 1).</param>
    /// <param name="height">Height of the bars, in SVG user units.</param>
    public static string Svg(string text, int moduleWidth = 2, int height = 80)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(moduleWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var values = Encode(text);

        var bars = new StringBuilder();
        var x = QuietZoneModules;
        foreach (var value in values)
        {
            var pattern = Patterns[value];
            for (var element = 0; element < pattern.Length; element++)
            {
                var modules = pattern[element] - '0';
                if (element % 2 == 0)
                {
                    bars.Append(CultureInfo.InvariantCulture,
                        $"<rect x=\"{x * moduleWidth}\" y=\"0\" width=\"{modules * moduleWidth}\" height=\"{height}\"/>");
                }
                x += modules;
            }
        }
        var width = (x + QuietZoneModules) * moduleWidth;
        var label = WebUtility.HtmlEncode(text);

        return string.Create(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" " +
            $"shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{label}\">" +
            $"<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>" +
            $"<g fill=\"#000\">{bars}</g></svg>");
    }

    private static int DigitRun(string text, int start)
    {
        var end = start;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }
        return end - start;
    }
}
