using System.Net;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// Where a code's <c>additional_info.override_notification_url</c> may send its notifications: any path and query
/// under one of the merchant's notification origins (scheme, host and port), which are the origin of its
/// notification URL unless the merchant was given a list of its own (admin API or back office). A stolen merchant key
/// must not turn the gateway into a sender of signed requests to any address, so in Production nothing else is
/// accepted. A sandbox accepts any public origin as well (a name, or a public address), and its notifications to an
/// origin not on the list connect only to public addresses, whatever Tunai:Outbound:AllowPrivateNetworks says.
/// </summary>
public static class NotificationOrigins
{
    /// <summary>The origin of an absolute http(s) URL: <c>scheme://host</c>, and <c>:port</c> when not the scheme's default; lower case.</summary>
    public static string Of(Uri uri) => uri.IsDefaultPort
        ? $"{uri.Scheme}://{uri.IdnHost}".ToLowerInvariant()
        : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}".ToLowerInvariant();

    /// <summary>The origins the merchant's override URLs may use: its own list, or its notification URL's origin (none without one).</summary>
    public static IReadOnlyList<string> Allowed(Merchant merchant) => Allowed(merchant.NotificationOrigins, merchant.NotificationUrl);

    public static IReadOnlyList<string> Allowed(string? stored, string? notificationUrl) =>
        stored is not null ? Parse(stored)
        : notificationUrl is not null && Uri.TryCreate(notificationUrl, UriKind.Absolute, out var uri) ? [Of(uri)]
        : [];

    /// <summary>True when <paramref name="uri"/>'s origin is one of the merchant's (see <see cref="Allowed(Merchant)"/>).</summary>
    public static bool Allows(Merchant merchant, Uri uri) => Allowed(merchant).Contains(Of(uri), StringComparer.Ordinal);

    /// <summary>The list as stored: one origin a line; an empty list is an empty text (no override allowed), never NULL (the default).</summary>
    public static string Store(IEnumerable<string> origins) => string.Join('\n', origins);

    private static string[] Parse(string stored) => stored.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Reads one entry of a list of origins: an absolute http(s) URL with nothing after its authority (a trailing "/"
    /// is allowed), no user name or password, kept to <see cref="MerchantEndpoints.UrlRule"/> (https in Production
    /// unless plain http is allowed). The origin, normalised, or the broken rule.
    /// </summary>
    public static (string? Origin, string? Broken) ReadOrigin(string value, string path, TunaiOptions options)
    {
        if (MerchantEndpoints.UrlRule(value, path, options) is { } broken)
        {
            return (null, broken);
        }
        var uri = new Uri(value);
        if (uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return (null, $"{path} must be an origin, scheme://host or scheme://host:port, without path, query or user ({value})");
        }
        return (Of(uri), null);
    }

    /// <summary>At most this many origins a merchant.</summary>
    public const int Most = 20;

    /// <summary>
    /// A list of origins as given (admin API, back office): each read by <see cref="ReadOrigin"/> (named
    /// <c>path[i]</c>), duplicates dropped, at most <see cref="Most"/>. The origins, or the field and rule broken.
    /// </summary>
    public static (List<string>? Origins, string? Field, string? Broken) ReadList(IEnumerable<string> values, string path, TunaiOptions options)
    {
        var origins = new List<string>();
        var i = 0;
        foreach (var value in values)
        {
            var at = $"{path}[{i++}]";
            var (origin, broken) = ReadOrigin(value, at, options);
            if (broken is not null)
            {
                return (null, at, broken);
            }
            if (!origins.Contains(origin!, StringComparer.Ordinal))
            {
                origins.Add(origin!);
            }
        }
        return origins.Count > Most ? (null, path, $"{path} holds at most {Most} origins") : (origins, null, null);
    }

    /// <summary>The rule <c>override_notification_url</c> keeps for <paramref name="merchant"/>: the broken rule, or null.</summary>
    public static string? OverrideRule(string url, string path, Merchant merchant, TunaiOptions options)
    {
        if (MerchantEndpoints.UrlRule(url, path, options) is { } broken)
        {
            return broken;
        }
        var uri = new Uri(url);
        if (uri.UserInfo.Length > 0)
        {
            return $"{path} must not hold a user name or password";
        }
        if (Allows(merchant, uri) || (options.IsSandbox && IsPublicHost(uri)))
        {
            return null;
        }
        var allowed = Allowed(merchant);
        return allowed.Count == 0
            ? $"{path} must be under one of the merchant's notification origins, and it has none: give it a notification_url, " +
                "or notification_origins (admin API or back office)"
            : $"{path} must be under one of the merchant's notification origins ({string.Join(", ", allowed)}); any path and query " +
                "under them is accepted, other origins are added to its notification_origins (admin API or back office)";
    }

    /// <summary>
    /// A host that may be public as written: a name (where it connects is checked when connecting, see
    /// <see cref="Outbound.OutboundHttp"/>), or an address the outbound rules call public; never localhost.
    /// </summary>
    private static bool IsPublicHost(Uri uri) =>
        IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address)
            ? Outbound.OutboundHttp.IsPublic(address)
            : !(uri.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || uri.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase));
}
