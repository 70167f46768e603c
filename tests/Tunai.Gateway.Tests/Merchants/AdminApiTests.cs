using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Merchants;

public sealed class AdminApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private GatewayHost Gateway => fixture.Gateway;

    private async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body = null, HttpClient? client = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await (client ?? Gateway.Admin).SendAsync(request, TestContext.Current.CancellationToken);
        return await ApiResponse.ReadAsync(response, path);
    }

    [Fact]
    public async Task CreatingAMerchantGeneratesStrongCredentialsAndAPrefix()
    {
        var response = await SendAsync(HttpMethod.Post, "/admin/v1/merchants", new { name = "Toko Baru", notification_url = "https://shop.example.com/notify" });
        Assert.Equal(HttpStatusCode.Created, response.Status);
        var json = response.Json;
        Assert.Matches("^MCH-[0-9]{4}-[0-9]{14}$", (string)json["client_id"]!);
        Assert.Matches("^SK-[A-Za-z0-9]{32}$", (string)json["secret_key"]!);
        Assert.Matches("^[1-9][0-9]{4}$", (string)json["code_prefix"]!);
        Assert.Equal("https://shop.example.com/notify", (string)json["notification_url"]!);
        Assert.Equal("Toko Baru", (string)json["name"]!);

        var other = await SendAsync(HttpMethod.Post, "/admin/v1/merchants", new { name = "Toko Lain" });
        Assert.NotEqual((string)json["secret_key"]!, (string)other.Json["secret_key"]!);
    }

    [Fact]
    public async Task GivenCredentialsAndPrefixAreKept()
    {
        var response = await SendAsync(HttpMethod.Post, "/admin/v1/merchants", new
        {
            name = "Imported", client_id = "MCH-0001-10791114622547", secret_key = "SK-hCJ42G28TA0MKG9LE2E_1", code_prefix = "19006",
            inquiry_url = "https://shop.example.com/inquiry",
        });
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("SK-hCJ42G28TA0MKG9LE2E_1", (string)response.Json["secret_key"]!);
        Assert.Equal("19006", (string)response.Json["code_prefix"]!);

        // No prefix given, so the gateway picks one that overlaps no other: only the client id collides. (A given "777"
        // once collided with a random prefix 777xx of another test's merchant, and was refused for that instead.)
        var again = await SendAsync(HttpMethod.Post, "/admin/v1/merchants", new { name = "Dup", client_id = "MCH-0001-10791114622547" });
        again.AssertError(HttpStatusCode.Conflict, "client_id_taken", "client_id");
    }

    [Theory]
    [InlineData("8896")]      // the same
    [InlineData("88965")]     // extends it
    [InlineData("889")]       // is extended by it
    public async Task NoPrefixMayBeAPrefixOfAnothersPrefix(string overlapping)
    {
        await using var gateway = await GatewayHost.StartAsync();
        var first = await gateway.Admin.PostAsJsonAsync("/admin/v1/merchants", new { name = "A", code_prefix = "8896" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var response = await gateway.Admin.PostAsJsonAsync("/admin/v1/merchants", new { name = "B", code_prefix = overlapping }, TestContext.Current.CancellationToken);
        (await ApiResponse.ReadAsync(response, "")).AssertError(HttpStatusCode.Conflict, "code_prefix_overlaps", "code_prefix");
        using var fine = await gateway.Admin.PostAsJsonAsync("/admin/v1/merchants", new { name = "C", code_prefix = "8897" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, fine.StatusCode);
    }

    [Fact]
    public async Task ConcurrentMerchantsWithOverlappingPrefixesCannotBothWin()
    {
        await using var gateway = await GatewayHost.StartAsync();
        // Every pair of these overlaps, so exactly one may win.
        var prefixes = new[] { "5555", "55551", "555", "555512", "5555", "5555123" };
        var responses = await Task.WhenAll(prefixes.Select(p =>
            gateway.Admin.PostAsJsonAsync("/admin/v1/merchants", new { name = "M" + p, code_prefix = p }, TestContext.Current.CancellationToken)));
        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
        Assert.True(winners.Count == 1, string.Join("\n", bodies));
        Assert.All(responses.Except(winners), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"code_prefix\":\"12a\"}", "code_prefix")]
    [InlineData("{\"name\":\"x\",\"code_prefix\":\"0123\"}", "code_prefix")]
    [InlineData("{\"name\":\"x\",\"code_prefix\":\"12345678\"}", "code_prefix")]
    [InlineData("{\"name\":\"x\",\"notification_url\":\"not a url\"}", "notification_url")]
    [InlineData("{\"name\":\"x\",\"inquiry_url\":\"ftp://x.example/inquiry\"}", "inquiry_url")]
    [InlineData("{\"name\":\"x\",\"secret_key\":\"short\"}", "secret_key")]
    [InlineData("{\"name\":\"x\",\"client_id\":\"bad id!\"}", "client_id")]
    [InlineData("{\"client_id\":\"MCH-1\"}", "name")]
    public async Task BadMerchantInputIs400NamingTheField(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var raw = await Gateway.Admin.PostAsync("/admin/v1/merchants", content, TestContext.Current.CancellationToken);
        (await ApiResponse.ReadAsync(raw, "")).AssertError(HttpStatusCode.BadRequest, "invalid_field", field);
    }

    [Fact]
    public async Task GetAndPatchAMerchant()
    {
        var created = await Gateway.CreateMerchantAsync(new { name = "Before", notification_url = "https://a.example.com/n" });
        var get = await SendAsync(HttpMethod.Get, $"/admin/v1/merchants/{created.ClientId}");
        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.Equal("Before", (string)get.Json["name"]!);

        var patch = await SendAsync(HttpMethod.Patch, $"/admin/v1/merchants/{created.ClientId}",
            new { name = "After", notification_url = (string?)null, inquiry_url = "https://a.example.com/inquiry" });
        Assert.Equal(HttpStatusCode.OK, patch.Status);
        Assert.Equal("After", (string)patch.Json["name"]!);
        Assert.Null(patch.Json["notification_url"]);
        Assert.Equal("https://a.example.com/inquiry", (string)patch.Json["inquiry_url"]!);
        // The secret is shown once, at creation (or when it changes): neither GET nor this PATCH returns it.
        Assert.Null(get.Json["secret_key"]);
        Assert.Null(patch.Json["secret_key"]);
        Assert.Equal(created.CodePrefix, (string)patch.Json["code_prefix"]!);

        (await SendAsync(HttpMethod.Patch, $"/admin/v1/merchants/{created.ClientId}", new { code_prefix = "4444" }))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "code_prefix");
        (await SendAsync(HttpMethod.Get, "/admin/v1/merchants/MCH-none")).AssertError(HttpStatusCode.NotFound, "merchant_not_found");
        (await SendAsync(HttpMethod.Patch, "/admin/v1/merchants/MCH-none", new { name = "x" })).AssertError(HttpStatusCode.NotFound, "merchant_not_found");
    }

    [Fact]
    public async Task ARotatedSecretKeyTakesEffectAtOnce()
    {
        var merchant = await Gateway.CreateMerchantAsync();
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate())).Status);

        var patch = await SendAsync(HttpMethod.Patch, $"/admin/v1/merchants/{merchant.ClientId}", new { regenerate_secret_key = true });
        var newSecret = (string)patch.Json["secret_key"]!;
        Assert.NotEqual(merchant.SecretKey, newSecret);

        (await merchant.CreateAsync(TestMerchant.ValidCreate())).AssertError(HttpStatusCode.Unauthorized, "invalid_signature");
        var rotated = new TestMerchant(Gateway, merchant.ClientId, newSecret, merchant.CodePrefix);
        Assert.Equal(HttpStatusCode.OK, (await rotated.CreateAsync(TestMerchant.ValidCreate())).Status);
    }

    /// <summary>Each of these passed the old rule (8 characters); each is far weaker than a generated key.</summary>
    [Theory]
    [InlineData("password")]
    [InlineData("SK-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("SK-0123456789012345678901234567890123")]
    [InlineData("SK-7294016385729401638572940163857294")]
    public async Task ASecretKeySetThroughPatchIsAsStrongAsAGeneratedOne(string weak)
    {
        var merchant = await Gateway.CreateMerchantAsync();
        (await SendAsync(HttpMethod.Patch, $"/admin/v1/merchants/{merchant.ClientId}", new { secret_key = weak }))
            .AssertError(HttpStatusCode.BadRequest, "invalid_field", "secret_key");
        Assert.Equal(HttpStatusCode.OK, (await merchant.CreateAsync(TestMerchant.ValidCreate())).Status);

        // A key made the way the gateway makes one is taken, and signs from then on.
        var strong = "SK-" + System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Patch, $"/admin/v1/merchants/{merchant.ClientId}", new { secret_key = strong })).Status);
        var changed = new TestMerchant(Gateway, merchant.ClientId, strong, merchant.CodePrefix);
        Assert.Equal(HttpStatusCode.OK, (await changed.CreateAsync(TestMerchant.ValidCreate())).Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token-wrong-token")]
    [InlineData("Basic dGVzdA==")]
    public async Task TheAdminApiNeedsTheAdminToken(string? authorization)
    {
        using var client = new HttpClient { BaseAddress = Gateway.BaseAddress };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }
        (await SendAsync(HttpMethod.Post, "/admin/v1/merchants", new { name = "x" }, client)).AssertError(HttpStatusCode.Unauthorized, "invalid_admin_token");
        (await SendAsync(HttpMethod.Get, "/admin/v1/payment-codes", client: client)).AssertError(HttpStatusCode.Unauthorized, "invalid_admin_token");
    }

    [Fact]
    public async Task PaymentCodesAreListedWithFiltersAndPages()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var other = await gateway.CreateMerchantAsync(new { name = "Other" });
        var codes = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            codes.Add((await merchant.CreateCodeAsync(TestMerchant.ValidCreate($"INV-{i}"))).Code);
        }
        await other.CreateCodeAsync(TestMerchant.ValidCreate("INV-0"));
        await merchant.PatchAsync(new { online_to_offline_info = new { payment_code = codes[0], status = "DELETE" } });

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetJson(gateway, $"/admin/v1/payment-codes?client_id={merchant.ClientId}&limit=3" + (cursor is null ? "" : $"&cursor={cursor}"));
            var data = page["data"]!.AsArray();
            Assert.True(data.Count <= 3);
            seen.AddRange(data.Select(d => (string)d!["payment_code"]!));
            cursor = (string?)page["next_cursor"];
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Reverse(codes), seen);

        var cancelled = await GetJson(gateway, $"/admin/v1/payment-codes?client_id={merchant.ClientId}&status=cancelled");
        Assert.Equal(codes[0], (string)cancelled["data"]![0]!["payment_code"]!);
        Assert.Single(cancelled["data"]!.AsArray());

        var byInvoice = await GetJson(gateway, "/admin/v1/payment-codes?invoice_number=INV-0");
        Assert.Equal(2, byInvoice["data"]!.AsArray().Count);

        gateway.Time.Advance(TimeSpan.FromHours(2));
        var expired = await GetJson(gateway, $"/admin/v1/payment-codes?client_id={merchant.ClientId}&status=EXPIRED");
        Assert.Equal(6, expired["data"]!.AsArray().Count);
        Assert.All(expired["data"]!.AsArray(), d => Assert.Equal("EXPIRED", (string)d!["status"]!));
        Assert.Empty((await GetJson(gateway, $"/admin/v1/payment-codes?client_id={merchant.ClientId}&status=ACTIVE"))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("status=PENDING", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("cursor=abc", "cursor")]
    public async Task BadListParametersAre400(string query, string field)
    {
        (await SendAsync(HttpMethod.Get, "/admin/v1/payment-codes?" + query)).AssertError(HttpStatusCode.BadRequest, "invalid_field", field);
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> GetJson(GatewayHost gateway, string path)
    {
        using var response = await gateway.Admin.GetAsync(path, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return GatewayHost.Json(text);
    }
}
