namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// Gateway-generated codes: the merchant's prefix, random digits from a CSPRNG (never sequential), and a
/// Luhn check digit so a mistyped digit at the till is caught before it reaches the database. Uniqueness
/// is the database's unique index on code; a collision draws again.
/// </summary>
public static class CodeGenerator
{
    public static string Generate(string prefix, int length)
    {
        var body = prefix + Merchants.Credentials.RandomDigits(length - prefix.Length - 1);
        return body + LuhnDigit(body);
    }

    public static char LuhnDigit(string digits)
    {
        var sum = 0;
        var doubleIt = true; // the check digit will sit to the right, so the rightmost body digit is doubled
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return (char)('0' + ((10 - (sum % 10)) % 10));
    }

    public static bool HasValidLuhn(string code) => code.Length > 1 && LuhnDigit(code[..^1]) == code[^1];
}
