using System.Text.RegularExpressions;

namespace Tunai.Gateway.Api;

/// <summary>
/// Reads fields of a JSON request by dotted path, leniently as real clients send them (numbers as numeric
/// strings, booleans as "true"/"false"), and records the first rule broken as a 400 naming the field.
/// Every accessor returns null once an error is recorded, so a handler checks <see cref="Error"/> once.
/// </summary>
public sealed partial class FieldReader(JsonElement root)
{
    public ApiError? Error { get; private set; }

    public bool Has(string path) => Find(path) is { ValueKind: not JsonValueKind.Null };

    /// <summary>A text field; numbers are taken as their text. Empty counts as absent.</summary>
    public string? Text(string path, int maxLength, bool required = false)
    {
        var element = Find(path);
        if (Error is not null)
        {
            return null;
        }
        string? value = element switch
        {
            null or { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } e => e.GetString(),
            { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
            _ => Fail<string>(path, $"{path} must be a string"),
        };
        if (Error is not null)
        {
            return null;
        }
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? Fail<string>(path, $"{path} is mandatory") : null;
        }
        if (TextRules.FirstRefused(value) is var at and >= 0)
        {
            return Fail<string>(path, $"{path} must not contain control, invisible or direction characters ({TextRules.Name(value[at])})");
        }
        if (value.EnumerateRunes().Count() > maxLength)
        {
            return Fail<string>(path, $"{path} must be at most {maxLength} characters");
        }
        return value;
    }

    /// <summary>A whole number written with digits only (a JSON number or a numeric string).</summary>
    public long? Digits(string path, int maxDigits, bool required = false, long min = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxDigits, 18);
        if (NumberText(path, required) is not { } text)
        {
            return null;
        }
        if (!DigitsOnly().IsMatch(text))
        {
            return Fail<long?>(path, $"{path} must be a whole number written with digits only");
        }
        if (text.Length > maxDigits)
        {
            return Fail<long?>(path, $"{path} must be at most {maxDigits} digits");
        }
        // maxDigits is at most 18 (checked first), so the text fits a long whatever its digits.
        var value = long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value < min)
        {
            return Fail<long?>(path, min == 1 ? $"{path} must be greater than 0" : $"{path} must be at least {min}");
        }
        return value;
    }

    /// <summary>
    /// A positive or zero decimal written with digits and at most one point (a JSON number or a numeric string), at
    /// most <paramref name="max"/> and with at most <paramref name="maxDecimals"/> digits after the point. The bounds
    /// are checked on the text before it becomes a <see cref="decimal"/>, so whatever the caller adds up afterwards
    /// stays far from decimal's range ("79228162514264337593543950335" is decimal.MaxValue: one more split and the sum
    /// overflowed into a 500).
    /// </summary>
    public decimal? Number(string path, decimal max, int maxDecimals, bool required = false)
    {
        if (NumberText(path, required) is not { } text)
        {
            return null;
        }
        var match = DecimalShape().Match(text);
        if (!match.Success)
        {
            return Fail<decimal?>(path, $"{path} must be a number written with digits and at most one decimal point");
        }
        var whole = match.Groups["whole"].Value.TrimStart('0');
        var fraction = match.Groups["fraction"].Value.TrimEnd('0');
        var maxWholeDigits = decimal.Truncate(max).ToString(CultureInfo.InvariantCulture).Length;
        if (whole.Length > maxWholeDigits)
        {
            return Fail<decimal?>(path, $"{path} must be at most {max.ToString(CultureInfo.InvariantCulture)}");
        }
        if (fraction.Length > maxDecimals)
        {
            return Fail<decimal?>(path, maxDecimals == 0
                ? $"{path} must be a whole number"
                : $"{path} must have at most {maxDecimals} digits after the decimal point");
        }
        // At most 29 significant digits by now (maxWholeDigits + maxDecimals), so the parse cannot overflow.
        var value = decimal.Parse($"{(whole.Length == 0 ? "0" : whole)}.{(fraction.Length == 0 ? "0" : fraction)}",
            NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (value > max)
        {
            return Fail<decimal?>(path, $"{path} must be at most {max.ToString(CultureInfo.InvariantCulture)}");
        }
        return value;
    }

    /// <summary>
    /// true or false. Also "true"/"false" strings, as form-posting clients send them, and 1/0 as numbers or
    /// strings: the reference types reusable_status "number" while its samples write true/false.
    /// </summary>
    public bool? Flag(string path, bool required = false)
    {
        var element = Find(path);
        if (Error is not null)
        {
            return null;
        }
        switch (element)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                return required ? Fail<bool?>(path, $"{path} is mandatory (true or false)") : null;
            case { ValueKind: JsonValueKind.True }:
                return true;
            case { ValueKind: JsonValueKind.False }:
                return false;
            case { ValueKind: JsonValueKind.String } e when bool.TryParse(e.GetString()?.Trim(), out var b):
                return b;
            case { ValueKind: JsonValueKind.Number } e when e.GetRawText() is "0" or "1":
                return e.GetRawText() == "1";
            case { ValueKind: JsonValueKind.String } e when e.GetString()?.Trim() is "0" or "1":
                return e.GetString()!.Trim() == "1";
            default:
                return Fail<bool?>(path, $"{path} must be true or false (or 1 or 0)");
        }
    }

    /// <summary>An object field, returned as is (stored and echoed verbatim).</summary>
    public JsonElement? Object(string path)
    {
        var element = Find(path);
        if (Error is not null || element is null or { ValueKind: JsonValueKind.Null })
        {
            return null;
        }
        return element.Value.ValueKind == JsonValueKind.Object ? element : Fail<JsonElement?>(path, $"{path} must be an object");
    }

    /// <summary>An array field, returned as is.</summary>
    public JsonElement? Array(string path)
    {
        var element = Find(path);
        if (Error is not null || element is null or { ValueKind: JsonValueKind.Null })
        {
            return null;
        }
        return element.Value.ValueKind == JsonValueKind.Array ? element : Fail<JsonElement?>(path, $"{path} must be an array");
    }

    /// <summary>
    /// The text of a numeric field, a JSON number or a string (trimmed); null when absent, null or empty (refused when
    /// mandatory). A value of another kind reads as text no number rule accepts, so the caller's rule names it.
    /// </summary>
    private string? NumberText(string path, bool required)
    {
        var element = Find(path);
        if (Error is not null)
        {
            return null;
        }
        var text = element switch
        {
            null or { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
            { ValueKind: JsonValueKind.String } e => e.GetString()?.Trim(),
            _ => "invalid",
        };
        if (string.IsNullOrEmpty(text))
        {
            return required ? Fail<string>(path, $"{path} is mandatory") : null;
        }
        return text;
    }

    public T? Fail<T>(string field, string message)
    {
        Error ??= ApiError.Validation(field, message);
        return default;
    }

    private JsonElement? Find(string path)
    {
        if (Error is not null)
        {
            return null;
        }
        var current = root;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            if (current.ValueKind != JsonValueKind.Object)
            {
                var parent = string.Join('.', parts[..i]);
                return Fail<JsonElement?>(parent, $"{parent} must be an object");
            }
            if (!current.TryGetProperty(parts[i], out var next))
            {
                return null;
            }
            current = next;
        }
        return current;
    }

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex DigitsOnly();

    [GeneratedRegex(@"^(?<whole>[0-9]+)(?:\.(?<fraction>[0-9]+))?$")]
    private static partial Regex DecimalShape();
}
