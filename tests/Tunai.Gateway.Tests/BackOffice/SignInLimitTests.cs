using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.BackOffice;

/// <summary>
/// The sign-in form under attack, over real HTTP from chosen loopback addresses: a flood from one address is
/// turned away before any password is hashed, the refusals tell nothing about which e-mails have accounts, and
/// failures from one address never keep the account's owner out from another.
/// <para>
/// The cost of a flood is shown by the gateway's own count of password hashes (<see cref="PasswordHashes"/>), not
/// by timing a payment during it: on two cores shared with other builds a latency ratio measured in a test is
/// noise. The latency itself is for bench/.
/// </para>
/// </summary>
public sealed class SignInLimitTests
{
    private static readonly IPAddress[] Crowd = [.. Enumerable.Range(10, 8).Select(i => IPAddress.Parse($"127.0.0.{i}"))];

    private static PasswordHashes Hashes(GatewayHost gateway) => gateway.Services.GetRequiredService<PasswordHashes>();

    private static IEnumerable<KeyValuePair<string, string>> Form(string email, string password) =>
        [new("Email", email), new("Password", password)];

    [Fact]
    public async Task AFloodOfSignInsFromOneAddressMeets429BeforeAnyHash()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:SignInAttemptsPerMinutePerAddress=5");
        var email = await BackOfficeAccounts.AddAsync(gateway, Roles.Admin);
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        using var attacker = new BackOfficeHttp(gateway, LoopbackAddress.Attacker);
        await attacker.GetAsync("/backoffice/sign-in");
        var before = Hashes(gateway).Count;

        var flood = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            attacker.PostAsync("/backoffice/sign-in", "sign-in", Form(i % 2 == 0 ? email : $"nobody{i}@example.test", $"guess {i}"))));
        var payment = await store.PayAsync(code, 150000);

        Assert.Equal(5, flood.Count(a => a.Status == HttpStatusCode.Unauthorized));
        Assert.Equal(35, flood.Count(a => a.Status == HttpStatusCode.TooManyRequests));
        Assert.All(flood.Where(a => a.Status == HttpStatusCode.TooManyRequests),
            a => Assert.Contains("Too many sign-in attempts from your address", BackOfficeHttp.ErrorOf(a.Body), StringComparison.Ordinal));
        // Five hashes for forty attempts: a refused attempt costs no hash.
        Assert.Equal(5, Hashes(gateway).Count - before);
        Assert.Equal(HttpStatusCode.OK, payment.Status);
        // The operator, elsewhere, signs in meanwhile.
        using var admin = new BackOfficeHttp(gateway, LoopbackAddress.Honest);
        Assert.Equal(HttpStatusCode.Redirect, (await admin.SignInAsync(email, BackOfficeAccounts.Password)).Status);
    }

    [Fact]
    public async Task TheRefusalCarriesRetryAfter()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:SignInAttemptsPerMinutePerAddress=1");
        var ct = TestContext.Current.CancellationToken;
        using var client = new BackOfficeHttp(gateway, LoopbackAddress.Attacker);
        await client.SignInAsync("nobody@example.test", "guess one");

        // A browser's post, read with its headers.
        using var http = LoopbackAddress.Client(LoopbackAddress.Attacker, gateway.BaseAddress);
        await client.GetAsync("/backoffice/sign-in");
        var cookies = client.Cookies.GetCookieHeader(new Uri(gateway.BaseAddress, "/backoffice/sign-in"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/backoffice/sign-in")
        {
            Content = new FormUrlEncodedContent([new("_handler", "sign-in"), new("__RequestVerificationToken", client.Token!),
                new("Email", "nobody@example.test"), new("Password", "guess two")]),
        };
        request.Headers.Add("Cookie", cookies);
        using var response = await http.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture) >= 1);
    }

    [Fact]
    public async Task HashesNeverRunMoreThanTheBoundAtOnce()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var email = await BackOfficeAccounts.AddAsync(gateway, Roles.Viewer);
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        var codes = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            codes.Add((await merchant.CreateCodeAsync()).Code);
        }
        var clients = Crowd.Select(a => new BackOfficeHttp(gateway, a)).ToList();
        foreach (var client in clients)
        {
            await client.GetAsync("/backoffice/sign-in");
        }
        var before = Hashes(gateway).Count;

        // Eight addresses, each within its own limit, all at once; the store pays meanwhile.
        var signIns = Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 4).Select(i =>
            c.PostAsync("/backoffice/sign-in", "sign-in", Form(email, $"wrong {i}")))));
        var payments = await Task.WhenAll(codes.Select(c => store.PayAsync(c, 150000)));
        var answers = await signIns;

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
        Assert.Equal(32, Hashes(gateway).Count - before);
        Assert.InRange(Hashes(gateway).PeakConcurrency, 1, Hashes(gateway).Concurrency);
        Assert.All(payments, p => Assert.Equal(HttpStatusCode.OK, p.Status));
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task UnknownEmailWrongPasswordAndLockedPairAnswerAlike()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var email = await BackOfficeAccounts.AddAsync(gateway, Roles.Admin);
        using var client = new BackOfficeHttp(gateway, LoopbackAddress.Attacker);
        var hashes = Hashes(gateway);

        var answers = new List<(string Case, HttpStatusCode Status, string? Error, long Hashes)>();
        async Task TryAsync(string name, string who, string password)
        {
            var before = hashes.Count;
            var (status, body, _) = await client.SignInAsync(who, password);
            answers.Add((name, status, BackOfficeHttp.ErrorOf(body), hashes.Count - before));
        }
        await TryAsync("unknown", "nobody-at-all@example.test", "some password");
        for (var i = 0; i < SignInGuard.MaxFailedSignIns; i++)
        {
            await TryAsync("wrong", email, $"wrong password {i}");
        }
        // The pair is locked now: the right password from here is refused like a wrong one.
        await TryAsync("locked", email, BackOfficeAccounts.Password);
        await TryAsync("locked", email, "wrong again");

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
        Assert.Single(answers.Select(a => a.Error).Distinct());
        Assert.StartsWith("Wrong email or password.", answers[0].Error, StringComparison.Ordinal);
        // The same work for each: one hash (a dummy for the unknown e-mail and the locked pair).
        Assert.All(answers, a => Assert.Equal(1, a.Hashes));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/backoffice")).Status);
    }

    [Fact]
    public async Task FailuresFromAnotherAddressNeverKeepTheOwnerOut()
    {
        await using var gateway = await GatewayHost.StartAsync(null, "Tunai:RateLimits:SignInAttemptsPerMinutePerAddress=100");
        var email = await BackOfficeAccounts.AddAsync(gateway, Roles.Admin);
        using var attacker = new BackOfficeHttp(gateway, LoopbackAddress.Attacker);
        for (var i = 0; i < 4 * SignInGuard.MaxFailedSignIns; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.SignInAsync(email, $"guess {i}")).Status);
        }

        using var owner = new BackOfficeHttp(gateway, LoopbackAddress.Honest);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SignInAsync(email, BackOfficeAccounts.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/backoffice")).Status);

        // From the guessing address the pair stays locked, the right password included, until the lock-out has passed.
        using var sameAddress = new BackOfficeHttp(gateway, LoopbackAddress.Attacker);
        Assert.Equal(HttpStatusCode.Unauthorized, (await sameAddress.SignInAsync(email, BackOfficeAccounts.Password)).Status);
        gateway.Time.Advance(SignInGuard.LockOut + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Redirect, (await sameAddress.SignInAsync(email, BackOfficeAccounts.Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await sameAddress.GetAsync("/backoffice")).Status);
    }
}
