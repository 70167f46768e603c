using Microsoft.AspNetCore.Components;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.BackOffice.Components;

/// <summary>
/// What every back-office page has: the request, the signed-in user, the language, and the refusal of an action
/// the user's role does not allow (checked on the server for every post, whatever the page showed).
/// </summary>
public abstract class BackOfficePage : ComponentBase
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    [CascadingParameter] public HttpContext Http { get; set; } = default!;

    [Inject] public Database Database { get; set; } = default!;

    [Inject] public TimeProvider Time { get; set; } = default!;

    [Inject] public TunaiOptions Options { get; set; } = default!;

    /// <summary>Opens and seals the secret keys stored at rest.</summary>
    [Inject] public Tunai.Gateway.Secrets.SecretBox Box { get; set; } = default!;

    [Inject] public NavigationManager Navigation { get; set; } = default!;

    /// <summary>The signed-in user; every page but sign-in requires one (the endpoint's authorization).</summary>
    protected Actor Me => Actor.From(Http.User) ?? throw new InvalidOperationException("No signed-in user");

    protected string Lang => Language.Of(Http);

    /// <summary>This page's address with its query: forms post back to it (Blazor's default action drops the query).</summary>
    protected string Here => Http.Request.Path + Http.Request.QueryString;

    protected string T(string english, string indonesian) => Lang == "id" ? indonesian : english;

    protected string? Message { get; set; }

    protected string? Error { get; set; }

    protected CancellationToken Aborted => Http.RequestAborted;

    protected long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    protected AuditActor Auditor => AuditActor.Of(Me, Http);

    /// <summary>A delivery's error as this user may read it: staff see it whole, a merchant user without addresses.</summary>
    protected string? DeliveryError(string? error) => Me.DeliveryError(error);

    /// <summary>The address of this list page's CSV file: the page's path with .csv, and its query (the same filters).</summary>
    protected string CsvHref => Http.Request.Path + ".csv" + Http.Request.QueryString;

    /// <summary>True (and a 403 with a message) when the user may not do this.</summary>
    protected bool Refused(Capability capability)
    {
        if (Me.Can(capability))
        {
            return false;
        }
        Http.Response.StatusCode = StatusCodes.Status403Forbidden;
        Error = T("Your role does not allow this.", "Peran Anda tidak mengizinkan tindakan ini.");
        return true;
    }

    /// <summary>A page that does not exist for this user (another merchant's, or a sandbox page outside sandbox).</summary>
    protected void NotFound()
    {
        Http.Response.StatusCode = StatusCodes.Status404NotFound;
        Error = T("Not found.", "Tidak ditemukan.");
    }

    /// <summary>Western Indonesian Time, as merchants and stores read it.</summary>
    protected static string When(long? unixMs) => unixMs is { } ms
        ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToOffset(Wib).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " WIB"
        : "";

    public static string Rupiah(long amount) => "Rp" + amount.ToString("#,0", CultureInfo.InvariantCulture).Replace(',', '.');

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
