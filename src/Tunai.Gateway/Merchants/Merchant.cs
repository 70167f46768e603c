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

    /// <summary>The key before the last rotation; it verifies until <see cref="PreviousKeyExpiresAt"/>.</summary>
    public string? PreviousSecretKey { get; init; }
    public long? PreviousKeyExpiresAt { get; init; }

    /// <summary>0 after a rotation until the merchant is ready: outbound messages are signed with the previous key meanwhile.</summary>
    public long SignsWithNewKey { get; init; } = 1;
    public long? DisabledAt { get; init; }

    public bool IsDisabled => DisabledAt is not null;

    /// <summary><c>ALFA_O2O</c> (default) or <c>SNAP</c>: the form its notifications and direct inquiries take.</summary>
    public string NotificationProtocol { get; init; } = SnapSettings.AlfaO2O;
    public string? SnapTokenUrl { get; init; }
    public string? SnapNotificationUrl { get; init; }
    public string? SnapInquiryUrl { get; init; }

    /// <summary>Which token a SNAP notification's signature is made with (<see cref="SnapSettings.AccessToken"/> or <see cref="SnapSettings.IssuedToken"/>).</summary>
    public string SnapSignatureToken { get; init; } = SnapSettings.AccessToken;

    public bool SpeaksSnap => NotificationProtocol == SnapSettings.Snap;

    /// <summary>The keys a request from this merchant (or its answer to a direct inquiry) may be signed with at <paramref name="now"/>.</summary>
    public IReadOnlyList<string> VerifyingKeys(DateTimeOffset now) => SecretKeys.Verifying(SecretKey, PreviousSecretKey, PreviousKeyExpiresAt, now);

    /// <summary>The key for what the gateway sends the merchant: the previous one until the merchant switches or it expires.</summary>
    public string OutboundKey(DateTimeOffset now) =>
        SignsWithNewKey == 0 && PreviousSecretKey is not null && now.ToUnixTimeMilliseconds() < PreviousKeyExpiresAt ? PreviousSecretKey : SecretKey;

    /// <summary>Never prints the secret key, whatever logs or debugs a merchant.</summary>
    public override string ToString() => $"Merchant {{ ClientId = {ClientId}, Name = {Name}, CodePrefix = {CodePrefix} }}";
}

/// <summary>An authenticated merchant request: who sent it, its Request-Id, the exact body bytes and path.</summary>
public sealed record MerchantRequest(Merchant Merchant, string RequestId, byte[]? Body, string Target);

/// <summary>The rule of two keys, shared by merchants and acquirers.</summary>
public static class SecretKeys
{
    public static IReadOnlyList<string> Verifying(string current, string? previous, long? previousExpiresAt, DateTimeOffset now) =>
        previous is not null && now.ToUnixTimeMilliseconds() < previousExpiresAt ? [current, previous] : [current];
}

public sealed record MerchantView(
    string ClientId,
    string Name,
    string? SecretKey,
    string CodePrefix,
    string? NotificationUrl,
    string? InquiryUrl,
    string CreatedAt,
    string UpdatedAt,
    string? PreviousKeyExpiresAt = null,
    string? OutboundSigningKey = null,
    bool Disabled = false)
{
    /// <summary>The fee schedule codes created from now on are sold at (see <see cref="Fees.FeeSchedule"/>).</summary>
    public Fees.FeeView? Fee { get; init; }

    public string NotificationProtocol { get; init; } = SnapSettings.AlfaO2O;
    public string? SnapTokenUrl { get; init; }
    public string? SnapNotificationUrl { get; init; }
    public string? SnapInquiryUrl { get; init; }
    public string SnapSignatureToken { get; init; } = SnapSettings.AccessToken;

    /// <param name="withSecret">Only when the key was just made or changed: it is shown once, never by a GET.</param>
    public static MerchantView From(Merchant m, bool withSecret) => new(
        m.ClientId, m.Name, withSecret ? m.SecretKey : null, m.CodePrefix, m.NotificationUrl, m.InquiryUrl,
        Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedAt)),
        Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(m.UpdatedAt)),
        m.PreviousKeyExpiresAt is { } expires ? Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(expires)) : null,
        m.PreviousSecretKey is null ? null : m.SignsWithNewKey == 0 ? "previous" : "new",
        m.IsDisabled)
    {
        NotificationProtocol = m.NotificationProtocol, SnapTokenUrl = m.SnapTokenUrl, SnapNotificationUrl = m.SnapNotificationUrl,
        SnapInquiryUrl = m.SnapInquiryUrl, SnapSignatureToken = m.SnapSignatureToken,
    };
}
