using Tunai.Gateway.Abuse;

namespace Tunai.Gateway.Admin;

/// <summary>The admin API's bearer token: configured, or (sandbox only) generated once and kept in the database.</summary>
public sealed class AdminToken
{
    private byte[] _token = [];

    public void Set(string token) => _token = Encoding.UTF8.GetBytes(token);

    public bool Matches(string? presented) =>
        _token.Length > 0 && presented is not null
        && CryptographicOperations.FixedTimeEquals(_token, Encoding.UTF8.GetBytes(presented));
}

public static class AdminAuth
{
    /// <summary>Every route of the group needs <c>Authorization: Bearer {admin token}</c>.</summary>
    public static RouteGroupBuilder RequireAdminToken(this RouteGroupBuilder group)
    {
        group.LimitAuthenticationFailures();
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (!http.HasAdminToken())
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return ApiError.Unauthorized("invalid_admin_token", "The admin API needs Authorization: Bearer <admin token>");
            }
            return await next(context);
        });
        return group;
    }

    /// <summary>Whether the request carries <c>Authorization: Bearer {admin token}</c>.</summary>
    public static bool HasAdminToken(this HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        return http.RequestServices.GetRequiredService<AdminToken>().Matches(token);
    }
}
