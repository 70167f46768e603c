using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// A browser-less client of the back office: its own cookies, no automatic redirects, and the antiforgery token read
/// from the last page, so a test can post exactly what a browser would, or leave the token out.
/// </summary>
public sealed partial class BackOfficeHttp : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="from">The loopback address the client's connections leave from (<see cref="LoopbackAddress"/>); 127.0.0.1 when null.</param>
    public BackOfficeHttp(GatewayHost gateway, IPAddress? from = null)
    {
        Cookies = new CookieContainer();
        HttpMessageHandler handler = from is null
            ? new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }
            : LoopbackAddress.Handler(from) is var sockets ? SetUp(sockets, Cookies) : null!;
        _http = new HttpClient(handler) { BaseAddress = gateway.BaseAddress };
    }

    private static SocketsHttpHandler SetUp(SocketsHttpHandler handler, CookieContainer cookies)
    {
        handler.CookieContainer = cookies;
        handler.AllowAutoRedirect = false;
        return handler;
    }

    /// <summary>The error message the last answered page shows (the sign-in form's refusal, say), or null.</summary>
    public static string? ErrorOf(string body) =>
        ErrorParagraph().Match(body) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    public CookieContainer Cookies { get; }

    public string? Token { get; private set; }

    /// <summary>The Set-Cookie headers of the last post (a cookie marked Secure is not kept by this plain-HTTP client).</summary>
    public IReadOnlyList<string> LastSetCookies { get; private set; } = [];

    public async Task<(HttpStatusCode Status, string Body, Uri? Location)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        if (TokenField().Match(body) is { Success: true } m)
        {
            Token = WebUtility.HtmlDecode(m.Groups[1].Value);
        }
        return (response.StatusCode, body, response.Headers.Location);
    }

    /// <summary>Posts a form to <paramref name="path"/> as its form named <paramref name="handler"/>, with the last token unless told not to.</summary>
    public async Task<(HttpStatusCode Status, string Body, Uri? Location)> PostAsync(string path, string handler,
        IEnumerable<KeyValuePair<string, string>>? fields = null, bool withToken = true)
    {
        var form = new List<KeyValuePair<string, string>> { new("_handler", handler) };
        if (withToken && Token is not null)
        {
            form.Add(new("__RequestVerificationToken", Token));
        }
        form.AddRange(fields ?? []);
        using var response = await _http.PostAsync(path, new FormUrlEncodedContent(form));
        LastSetCookies = response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.ToList() : [];
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location);
    }

    public async Task<(HttpStatusCode Status, string Body, Uri? Location)> SignInAsync(string email, string password)
    {
        await GetAsync("/backoffice/sign-in");
        return await PostAsync("/backoffice/sign-in", "sign-in", [new("Email", email), new("Password", password)]);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("<p class=\"message error\" role=\"alert\" id=\"error\">([^<]*)</p>")]
    private static partial Regex ErrorParagraph();
}

/// <summary>Accounts for back-office tests, added with the product's own call (as <c>tunai operators add</c> does).</summary>
public static class BackOfficeAccounts
{
    public const string Password = "correct horse battery staple";

    private static readonly string Hash = Operators.HashPassword(Password);

    public static async Task<string> AddAsync(GatewayHost gateway, string role, long? merchantId = null)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.test";
        var database = gateway.Services.GetRequiredService<Database>();
        await database.WriteAsync(async unit =>
        {
            Assert.NotNull(await Operators.AddAsync(unit, email, Hash, role, merchantId, gateway.Time.GetUtcNow().ToUnixTimeMilliseconds()));
            unit.Commit();
            return 0;
        });
        return email;
    }

    /// <summary>
    /// The sandbox Admin's password, as a newcomer reads it in data/sandbox.env (on SQLite, beside the database).
    /// On PostgreSQL that file is the working folder's, shared by every test running at once, so the test sets a
    /// password of its own on the account instead.
    /// </summary>
    public static async Task<(string Email, string Password)> SandboxAdminAsync(GatewayHost gateway)
    {
        var envFile = Path.Combine(gateway.Folder, "sandbox.env");
        if (!TestDatabase.UsePostgres)
        {
            var line = File.ReadLines(envFile).Single(l => l.StartsWith($"export {SandboxOperator.PasswordVariable}=", StringComparison.Ordinal));
            return (SandboxOperator.Email, line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        }
        await gateway.ExecuteAsync("UPDATE operators SET password_hash = $h WHERE email = $e", ("$h", Hash), ("$e", SandboxOperator.Email));
        return (SandboxOperator.Email, Password);
    }

    public static async Task<long> MerchantIdAsync(GatewayHost gateway, string clientId) =>
        await gateway.CountAsync("SELECT id FROM merchants WHERE client_id = @c", ("c", clientId));
}
