namespace Tunai.Gateway.Api;

/// <summary>
/// Every CSV file Tunai writes (the transactions report, the payout file) is built from these cells, so one rule
/// decides what a spreadsheet program sees. RFC 4180: CRLF between rows, a field quoted when it holds a comma,
/// quote or line break, quotes doubled. A text cell that begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or
/// a carriage return is what a spreadsheet takes for a formula (a merchant's invoice number <c>=cmd|' /C calc'!A0</c>
/// runs on the operator's machine when the file is opened), so it gets a leading <c>'</c> (OWASP's rule for CSV
/// injection): the cell shows the text and computes nothing. Amounts are written by <see cref="Number"/>, not
/// neutralised, so <c>-150000</c> stays a number a spreadsheet adds up.
/// </summary>
public static class Csv
{
    public const string LineEnd = "\r\n";

    /// <summary>A text cell: neutralised when it could be read as a formula, then quoted as RFC 4180 asks.</summary>
    public static string Text(string? value)
    {
        value ??= "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    /// <summary>A whole number (rupiah): digits with a leading minus when negative, never quoted or prefixed.</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One row of cells already made by <see cref="Text"/> or <see cref="Number"/>, with its line end.</summary>
    public static string Row(params IEnumerable<string> cells) => string.Join(',', cells) + LineEnd;
}
