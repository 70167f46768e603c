namespace Tunai.Gateway.Fees;

/// <summary>
/// A price on an amount: a fixed IDR part plus a percentage with two decimals (kept as hundredths of a percent,
/// so no fractional number is ever stored or multiplied), kept between <see cref="Min"/> and <see cref="Max"/>.
/// Used for a merchant's fee and for an acquirer's cost.
/// </summary>
public sealed record FeeSchedule(long Fixed, long PercentHundredths, long Min, long? Max)
{
    public static readonly FeeSchedule Zero = new(0, 0, 0, null);

    /// <summary>
    /// Fixed + amount × percent, the percentage part rounded half up to whole rupiah, then clamped to
    /// [min, max], and never more than the amount itself (a payment never leaves a negative net).
    /// amount ≤ 10^12 and hundredths ≤ 10,000, so the product stays far inside a long.
    /// </summary>
    public long Apply(long amount)
    {
        var percentPart = (amount * PercentHundredths + 5_000) / 10_000;
        var fee = Math.Max(Fixed + percentPart, Min);
        if (Max is { } max)
        {
            fee = Math.Min(fee, max);
        }
        return Math.Clamp(fee, 0, amount);
    }

    /// <summary>"0.50" for 50 hundredths: the way the admin API writes a percentage.</summary>
    public string PercentText => (PercentHundredths / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    public FeeView ToView() => new(Fixed, PercentText, Min, Max);

    /// <summary>
    /// Reads <c>{"fixed", "percent", "min", "max"}</c> at <paramref name="path"/>; an absent member is zero (max:
    /// none). Null when the object is absent; <see cref="Zero"/> when it is JSON null (back to no fee).
    /// </summary>
    public static FeeSchedule? Read(FieldReader f, System.Text.Json.JsonElement root, string path)
    {
        if (!root.TryGetProperty(path, out var element))
        {
            return null;
        }
        if (element.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            return Zero;
        }
        if (f.Object(path) is null)
        {
            return null;
        }
        var fixedPart = f.Digits($"{path}.fixed", 12) ?? 0;
        var min = f.Digits($"{path}.min", 12) ?? 0;
        var max = f.Digits($"{path}.max", 12);
        var percentText = f.Text($"{path}.percent", 6);
        long hundredths = 0;
        if (percentText is not null)
        {
            if (!decimal.TryParse(percentText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent)
                || percent > 100 || percent * 100 != decimal.Truncate(percent * 100))
            {
                return f.Fail<FeeSchedule>($"{path}.percent", $"{path}.percent must be between 0 and 100 with at most two decimals, e.g. \"0.50\"");
            }
            hundredths = (long)(percent * 100);
        }
        if (max is not null && max < min)
        {
            return f.Fail<FeeSchedule>($"{path}.max", $"{path}.max must be at least {path}.min");
        }
        return f.Error is null ? new FeeSchedule(fixedPart, hundredths, min, max) : null;
    }
}

/// <summary>A fee schedule on the wire: percent as a string with two decimals, as it was given.</summary>
public sealed record FeeView(long Fixed, string Percent, long Min, long? Max);
