namespace Tunai.Gateway.Merchants;

public sealed record Merchant : SigningParty
{
    public required string CodePrefix { get; init; }
    public string? NotificationUrl { get; init; }
    public string? InquiryUrl { get; init; }

    /// <summary>The origins its codes' override URLs may name, one a line; null: its notification URL's (see <see cref="NotificationOrigins"/>).</summary>
    public string? NotificationOrigins { get; init; }
    public long UpdatedAt { get; init; }

    /// <summary>0 after a rotation until the merchant is ready: outbound messages are signed with the previous key meanwhile.</summary>
    public long SignsWithNewKey { get; init; } = 1;
    /// <summary><c>ALFA_O2O</c> (default) or <c>SNAP</c>: the form its notifications and direct inquiries take.</summary>
    public string NotificationProtocol { get; init; } = SnapSettings.AlfaO2O;
    public string? SnapTokenUrl { get; init; }
    public string? SnapNotificationUrl { get; init; }
    public string? SnapInquiryUrl { get; init; }

    /// <summary>Which token a SNAP notification's signature is made with (<see cref="SnapSettings.AccessToken"/> or <see cref="SnapSettings.IssuedToken"/>).</summary>
    public string SnapSignatureToken { get; init; } = SnapSettings.AccessToken;

    public bool SpeaksSnap => NotificationProtocol == SnapSettings.Snap;

    /// <summary>The key for what the gateway sends the merchant: the previous one until the merchant switches or it expires.</summary>
    public string OutboundKey(DateTimeOffset now) =>
        SignsWithNewKey == 0 && PreviousSecretKey is not null && now.ToUnixTimeMilliseconds() < PreviousKeyExpiresAt ? PreviousSecretKey : SecretKey;

    /// <summary>Never prints the secret key, whatever logs or debugs a merchant.</summary>
    public override string ToString() => $"Merchant {{ ClientId = {ClientId}, Name = {Name}, CodePrefix = {CodePrefix} }}";
}

/// <summary>An authenticated merchant request: who sent it, its Request-Id, the exact body bytes and path.</summary>
public sealed record MerchantRequest(Merchant Merchant, string RequestId, byte[]? Body, string Target);

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
    /// <summary>
    /// The origins its codes' override_notification_url may name (see <see cref="Merchants.NotificationOrigins"/>), and
    /// whether they are its notification URL's own (the default, which follows that URL) or a list given to it.
    /// </summary>
    public IReadOnlyList<string> NotificationOrigins { get; init; } = [];

    public bool NotificationOriginsFromUrl { get; init; } = true;

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
        NotificationOrigins = Merchants.NotificationOrigins.Allowed(m),
        NotificationOriginsFromUrl = m.NotificationOrigins is null,
        NotificationProtocol = m.NotificationProtocol, SnapTokenUrl = m.SnapTokenUrl, SnapNotificationUrl = m.SnapNotificationUrl,
        SnapInquiryUrl = m.SnapInquiryUrl, SnapSignatureToken = m.SnapSignatureToken,
    };
}
