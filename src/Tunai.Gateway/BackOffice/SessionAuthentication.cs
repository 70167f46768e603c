using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Tunai.Gateway.Clock;

namespace Tunai.Gateway.BackOffice;

/// <summary>
/// The back office's sign-in: a random token in a cookie, looked up in <c>operator_sessions</c> on every request.
/// Kept in the database rather than in a self-contained cookie so that every instance agrees, sign-out and a
/// password change end a session at once, and a role changed by an Admin applies to the next request.
/// </summary>
public sealed class SessionAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    Database database, SandboxClock clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "TunaiBackOffice";
    public const string CookieName = "tunai_bo";
    public const string SignInPath = "/backoffice/sign-in";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Request.Cookies[CookieName];
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return AuthenticateResult.NoResult();
        }
        var now = clock.Wall.GetUtcNow().ToUnixTimeMilliseconds();
        var account = await Operators.FindSessionAsync(database, token, now, Context.RequestAborted);
        if (account is null)
        {
            return AuthenticateResult.NoResult();
        }
        if (account.MerchantDisabledAt is not null)
        {
            // Its merchant was disabled: the session ends (disabling deletes them too; this covers one opened meanwhile).
            await Operators.SignOutAsync(database, token, Context.RequestAborted);
            return AuthenticateResult.NoResult();
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, account.Email),
            new(ClaimTypes.Email, account.Email),
            new(ClaimTypes.Role, account.Role),
        };
        if (account.MerchantId is { } merchant)
        {
            claims.Add(new Claim(Actor.MerchantClaim, merchant.ToString(CultureInfo.InvariantCulture)));
        }
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var back = Request.Path + Request.QueryString;
        Response.Redirect($"{SignInPath}?returnUrl={Uri.EscapeDataString(back)}");
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    /// <summary>HttpOnly, SameSite=Strict, limited to the back office's path; Secure outside sandbox mode.</summary>
    public static CookieOptions CookieOptions(TunaiOptions tunai) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = !tunai.IsSandbox,
        Path = "/backoffice",
        IsEssential = true,
        MaxAge = Operators.SessionLifetime,
    };
}
