namespace Tunai.Gateway.Merchants;

/// <summary>A field a patch may set to a value or to nothing, or leave alone.</summary>
public readonly record struct Settable(bool Given, string? Value);

/// <summary>The SNAP settings a patch changes; <c>null</c> members are left as they are.</summary>
public sealed record SnapPatch(Settable TokenUrl, Settable NotificationUrl, Settable InquiryUrl, string? Protocol, string? SignatureToken)
{
    public bool Changes => TokenUrl.Given || NotificationUrl.Given || InquiryUrl.Given || Protocol is not null || SignatureToken is not null;
}

/// <summary>
/// A merchant's SNAP settings towards it: the protocol of its notifications and direct inquiries, its SNAP URLs, and
/// which token signs a notification. Read here for the admin API's PATCH; the back office builds the same
/// <see cref="SnapPatch"/>, and <see cref="UpdateMerchant.RunAsync"/> checks <see cref="Rule"/> on the merchant as
/// patched, in its unit, whoever calls it.
/// </summary>
public static class SnapSettings
{
    public const string AlfaO2O = "ALFA_O2O";
    public const string Snap = "SNAP";

    /// <summary>The standard: the notification is signed with the access token the merchant gave Tunai (the Bearer token).</summary>
    public const string AccessToken = "ACCESS_TOKEN";

    /// <summary>
    /// Signed with the last B2B token Tunai issued to the merchant: what the provider's Node SDK's
    /// <c>validateSymmetricSignature</c> checks against (its own outbound token), unlike the standard.
    /// </summary>
    public const string IssuedToken = "ISSUED_TOKEN";

    public static readonly string[] Protocols = [AlfaO2O, Snap];

    public static readonly string[] SignatureTokens = [AccessToken, IssuedToken];

    /// <summary>Reads the SNAP fields of a PATCH; null when none is given. The URLs keep <see cref="MerchantEndpoints.UrlRule"/>.</summary>
    public static SnapPatch? Read(FieldReader f, JsonElement root, TunaiOptions options)
    {
        var patch = new SnapPatch(
            Url(f, root, "snap_token_url", options),
            Url(f, root, "snap_notification_url", options),
            Url(f, root, "snap_inquiry_url", options),
            OneOf(f, "notification_protocol", Protocols),
            OneOf(f, "snap_signature_token", SignatureTokens));
        return patch.Changes ? patch : null;
    }

    private static Settable Url(FieldReader f, JsonElement root, string name, TunaiOptions options) =>
        new(root.TryGetProperty(name, out _), MerchantEndpoints.Url(f, name, options));

    private static string? OneOf(FieldReader f, string name, string[] allowed)
    {
        var value = f.Text(name, 32);
        return value is null || allowed.Contains(value, StringComparer.Ordinal) ? value
            : f.Fail<string>(name, $"{name} must be one of {string.Join(", ", allowed)}");
    }

    /// <summary>What a merchant speaking SNAP lacks, as (field, message); null when its settings hold together.</summary>
    public static (string Field, string Message)? Rule(Merchant m)
    {
        if (!m.SpeaksSnap)
        {
            return null;
        }
        if (m.SnapTokenUrl is null)
        {
            return ("snap_token_url", "notification_protocol SNAP needs snap_token_url: Tunai obtains a token there before each notification");
        }
        return m.SnapNotificationUrl is null
            ? ("snap_notification_url", "notification_protocol SNAP needs snap_notification_url: where payments are notified")
            : null;
    }
}
