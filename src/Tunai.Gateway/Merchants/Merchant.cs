namespace Tunai.Gateway.Merchants;

public sealed record Merchant
{
    public long Id { get; init; }
    public required string ClientId { get; init; }
    public required string Name { get; init; }
    public required string SecretKey { get; init; }
    public required string CodePrefix { get; init; }
    public string? NotificationUrl { get; init; }
    public string? InquiryUrl { get; init; }
    public long CreatedAt { get; init; }
    public long UpdatedAt { get; init; }

    /// <summary>Never prints the secret key, whatever logs or debugs a merchant.</summary>
    public override string ToString() => $"Merchant {{ ClientId = {ClientId}, Name = {Name}, CodePrefix = {CodePrefix} }}";
}

/// <summary>An authenticated merchant request: who sent it, its Request-Id, the exact body bytes and path.</summary>
public sealed record MerchantRequest(Merchant Merchant, string RequestId, byte[]? Body, string Target);

public sealed record MerchantView(
    string ClientId,
    string Name,
    string SecretKey,
    string CodePrefix,
    string? NotificationUrl,
    string? InquiryUrl,
    string CreatedAt,
    string UpdatedAt)
{
    /// <summary>The fee schedule codes created from now on are sold at (see <see cref="Money.FeeSchedule"/>).</summary>
    public Money.FeeView? Fee { get; init; }

    public static MerchantView From(Merchant m) => new(
        m.ClientId, m.Name, m.SecretKey, m.CodePrefix, m.NotificationUrl, m.InquiryUrl,
        Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedAt)),
        Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(m.UpdatedAt)));
}
