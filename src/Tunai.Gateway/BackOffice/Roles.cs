using System.Security.Claims;

namespace Tunai.Gateway.BackOffice;

/// <summary>The back office's roles. Staff roles grow by inclusion; a merchant user is apart, bound to one merchant.</summary>
public static class Roles
{
    public const string Viewer = "Viewer";
    public const string Operator = "Operator";
    public const string Admin = "Admin";
    public const string Merchant = "Merchant";

    public static readonly string[] All = [Viewer, Operator, Admin, Merchant];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);
}

/// <summary>What a signed-in user may do. Asked by every action on the server, whatever the page showed.</summary>
public enum Capability
{
    /// <summary>Read codes, payments, notifications (a merchant user: its own only).</summary>
    Read,
    /// <summary>Send notifications again (staff Operator+, and a merchant user for its own).</summary>
    Replay,
    /// <summary>Cancel a code (staff Operator+).</summary>
    Cancel,
    /// <summary>Set a merchant's URLs (Admin, and a merchant user for its own).</summary>
    EditMerchantUrls,
    /// <summary>Rotate a secret key (Admin: any merchant's or acquirer's; a merchant user: its own merchant's).</summary>
    RotateKeys,
    /// <summary>Create merchants, manage operators, read the audit trail.</summary>
    Administer,
    /// <summary>Close a settlement day, mark a batch paid, import an acquirer's file, resolve a difference (staff Operator+).</summary>
    Settle,
    /// <summary>The sandbox's tools (staff Operator+; the pages also need sandbox mode).</summary>
    SandboxTools,
}

/// <summary>The signed-in user as the server sees it, read from the session's claims.</summary>
public sealed record Actor(long OperatorId, string Email, string Role, long? MerchantId)
{
    public const string MerchantClaim = "tunai:merchant_id";

    /// <summary>The merchant every query is limited to: the user's own for a merchant user, none for staff.</summary>
    public long? Scope => Role == Roles.Merchant ? MerchantId : null;

    public bool IsStaff => Role != Roles.Merchant;

    /// <summary>A delivery's error as this user may read it: staff see it whole, a merchant user without addresses.</summary>
    public string? DeliveryError(string? error) => IsStaff ? error : Outbound.OutboundHttp.AsMerchantSees(error);

    public bool Can(Capability capability) => capability switch
    {
        Capability.Read => true,
        Capability.Replay => Role is Roles.Operator or Roles.Admin or Roles.Merchant,
        Capability.Cancel => Role is Roles.Operator or Roles.Admin,
        Capability.EditMerchantUrls => Role is Roles.Admin or Roles.Merchant,
        Capability.RotateKeys => Role is Roles.Admin or Roles.Merchant,
        Capability.Settle => Role is Roles.Operator or Roles.Admin,
        Capability.Administer => Role == Roles.Admin,
        Capability.SandboxTools => Role is Roles.Operator or Roles.Admin,
        _ => false,
    };

    public static Actor? From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true
            || !long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }
        var merchant = user.FindFirstValue(MerchantClaim);
        return new Actor(id, user.FindFirstValue(ClaimTypes.Email) ?? "", user.FindFirstValue(ClaimTypes.Role) ?? "",
            merchant is null ? null : long.Parse(merchant, System.Globalization.CultureInfo.InvariantCulture));
    }
}
