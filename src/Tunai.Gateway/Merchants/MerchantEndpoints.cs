using Tunai.Gateway.Admin;

namespace Tunai.Gateway.Merchants;

/// <summary>
/// The admin API's merchants, one file per operation (<see cref="CreateMerchant"/>, <see cref="GetMerchant"/>,
/// <see cref="UpdateMerchant"/>, <see cref="RotateMerchantKey"/>, <see cref="SignWithNewKey"/>); the back office calls
/// the same operations, with the signed-in user as the actor.
/// </summary>
public static class MerchantEndpoints
{
    public static IEndpointRouteBuilder MapMerchants(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1/merchants").RequireAdminToken();
        group.MapPost("", CreateMerchant.HandleAsync);
        group.MapGet("/{clientId}", GetMerchant.HandleAsync);
        group.MapPatch("/{clientId}", UpdateMerchant.HandleAsync);
        group.MapPost("/{clientId}/secret-keys", RotateMerchantKey.HandleAsync);
        group.MapPost("/{clientId}/secret-keys/sign-with-new", SignWithNewKey.HandleAsync);
        return app;
    }

    /// <summary>What the audit trail keeps of a merchant: everything but its secret key.</summary>
    public static object AuditView(Merchant m) => new
    {
        m.ClientId, m.Name, m.CodePrefix, m.NotificationUrl, m.InquiryUrl, m.NotificationOrigins,
        m.NotificationProtocol, m.SnapTokenUrl, m.SnapNotificationUrl, m.SnapInquiryUrl, m.SnapSignatureToken,
    };

    /// <summary>
    /// <c>notification_origins</c> of a PATCH: a list of origins (see <see cref="NotificationOrigins.ReadList"/>), or null
    /// for the default (the notification URL's origin). Whether it was given, and the list read.
    /// </summary>
    internal static (bool Given, IReadOnlyList<string>? Origins) Origins(FieldReader f, System.Text.Json.JsonElement root, TunaiOptions options)
    {
        const string path = "notification_origins";
        if (!root.TryGetProperty(path, out var given) || given.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            return (root.TryGetProperty(path, out _), null);
        }
        if (f.Array(path) is not { } list)
        {
            return (true, null);
        }
        var values = new List<string>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != System.Text.Json.JsonValueKind.String)
            {
                var at = $"{path}[{values.Count}]";
                return (true, f.Fail<List<string>>(at, $"{at} must be a string"));
            }
            values.Add(item.GetString()!);
        }
        var (origins, field, broken) = NotificationOrigins.ReadList(values, path, options);
        return (true, broken is null ? origins : f.Fail<List<string>>(field!, broken));
    }

    /// <summary>A URL field read with <see cref="UrlRule"/> applied, the failure named for the field.</summary>
    internal static string? Url(FieldReader f, string path, TunaiOptions options)
    {
        var url = f.Text(path, 2048);
        return url is not null && UrlRule(url, path, options) is { } rule ? f.Fail<string>(path, rule) : url;
    }

    /// <summary>The rule a merchant's notification or inquiry URL keeps, wherever it is set: the broken rule, or null.</summary>
    public static string? UrlRule(string url, string path, TunaiOptions options)
    {
        if (url.Length > 2048)
        {
            return $"{path} must be at most 2048 characters";
        }
        if (!TunaiOptionsValidator.IsHttpUrl(url))
        {
            return $"{path} must be an absolute http(s) URL";
        }
        // Notifications and inquiries carry customers' data and payment results; in clear text anyone on the path
        // reads them (the signature stops changes, not reading).
        return !options.PlainHttpAllowed && !TunaiOptionsValidator.IsHttpsUrl(url)
            ? $"{path} must be https in Production mode (Tunai:AllowPlainHttp allows http on a private network)"
            : null;
    }

    internal static ApiError NotFound(string clientId) => ApiError.NotFound("merchant_not_found", $"No merchant has Client-Id {clientId}");
}
