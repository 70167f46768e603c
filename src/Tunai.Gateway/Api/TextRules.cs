namespace Tunai.Gateway.Api;

/// <summary>
/// Characters no name, invoice number, info line or id needs, and which make text mean something other than what
/// it shows: control characters (NUL, ESC, line breaks), zero-width and direction marks (U+200B–U+200F), line and
/// paragraph separators and embedding/override controls (U+2028–U+202E: "U+202E" turns <c>INV-exe.pdf</c> into
/// <c>INV-fdp.exe</c> on screen), and the isolates (U+2066–U+2069). Refused wherever text is taken in.
/// </summary>
public static class TextRules
{
    public static bool IsRefused(char c) =>
        char.IsControl(c) || c is (>= '\u200B' and <= '\u200F') or (>= '\u2028' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>The index of the first refused character, or -1.</summary>
    public static int FirstRefused(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsRefused(text[i]))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>How a refused character is named in an error message (U+202E), never echoed as itself.</summary>
    public static string Name(char c) => $"U+{(int)c:X4}";
}
