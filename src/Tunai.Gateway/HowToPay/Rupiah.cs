namespace Tunai.Gateway.HowToPay;

/// <summary>
/// Indonesian Rupiah as customers see it on receipts: <c>Rp150.000</c>. Written out by hand so the result
/// never depends on the culture data of the machine (Invariant globalization has no id-ID).
/// </summary>
internal static class Rupiah
{
    public static string Format(long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var digits = amount.ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder("Rp", digits.Length + (digits.Length / 3) + 2);
        for (var i = 0; i < digits.Length; i++)
        {
            if (i > 0 && (digits.Length - i) % 3 == 0)
            {
                text.Append('.');
            }
            text.Append(digits[i]);
        }
        return text.ToString();
    }
}
