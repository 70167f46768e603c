namespace Tunai.Gateway.PaymentCodes;

public static class CodeStatus
{
    public const string Active = "ACTIVE";
    public const string Paid = "PAID";
    public const string Cancelled = "CANCELLED";
    public const string Expired = "EXPIRED";

    public static readonly string[] All = [Active, Paid, Cancelled, Expired];

    /// <summary>The status a stored <paramref name="status"/> reads as at <paramref name="nowMs"/>: an active code past its expiry is expired.</summary>
    public static string At(string status, long expiresAt, long nowMs) => status == Active && expiresAt <= nowMs ? Expired : status;
}

/// <summary>A stored payment code. Expiry is a matter of the clock, so the status callers see is <see cref="StatusAt"/>.</summary>
public sealed record PaymentCode
{
    public long Id { get; init; }
    public long MerchantId { get; init; }
    public required string Code { get; init; }

    /// <summary>Which registration of the code this is: 1, then one more each time a merchant's own code is registered again.</summary>
    public long Life { get; init; } = 1;
    public required string Kind { get; init; }
    public required string InvoiceNumber { get; init; }
    public long Amount { get; init; }
    public required string Status { get; init; }
    public bool Reusable { get; init; }
    public string? Info { get; init; }
    public string? Info2 { get; init; }
    public string? Info3 { get; init; }
    public required string CustomerName { get; init; }
    public string? CustomerEmail { get; init; }
    public string? FooterMessage { get; init; }
    public string? InsuranceInfo { get; init; }
    public string? AccountId { get; init; }
    public string? Settlement { get; init; }
    public string? OverrideNotificationUrl { get; init; }
    public string? AdditionalInfo { get; init; }
    public required string RequestId { get; init; }
    public required string HowToPayToken { get; init; }
    public long CreatedAt { get; init; }
    public long ExpiresAt { get; init; }
    public long UpdatedAt { get; init; }
    public long? PaidAt { get; init; }
    public long? CancelledAt { get; init; }

    public string StatusAt(DateTimeOffset now) => CodeStatus.At(Status, ExpiresAt, now.ToUnixTimeMilliseconds());

    public DateTimeOffset Created => DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt);

    public DateTimeOffset Expires => DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAt);
}

/// <summary>The provider's date formats: WIB (UTC+7, no daylight saving) <c>yyyyMMddHHmmss</c>, and ISO-8601 UTC.</summary>
public static class WireDates
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    public static string Wib14(DateTimeOffset time) =>
        time.ToOffset(Wib).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    public static string Utc(DateTimeOffset time) => Tunai.Signing.Signature.FormatTimestamp(time);
}
