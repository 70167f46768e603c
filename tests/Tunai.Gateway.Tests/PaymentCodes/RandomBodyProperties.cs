using System.Net;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.PaymentCodes;

/// <summary>One gateway and one merchant for all the properties of <see cref="RandomBodyProperties"/>.</summary>
public sealed class RandomBodyGateway : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public TestMerchant Merchant { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync();
        Merchant = await Gateway.CreateMerchantAsync();
    }

    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}

/// <summary>
/// Random and mutated bodies, correctly signed, thrown at the generate and update endpoints. Whatever arrives,
/// the gateway answers without a 5xx, every refusal carries the error body merchants parse, and a refused
/// request leaves nothing behind: no code, no Request-Id, no change to the code it named.
/// </summary>
public sealed class RandomBodyProperties(RandomBodyGateway fixture) : IClassFixture<RandomBodyGateway>
{
    private static readonly FieldLimit[] CreateLimits =
    [
        new(["order", "invoice_number"], 64, FieldLimit.Filling.Invoice),
        new(["online_to_offline_info", "info"], 30, FieldLimit.Filling.Text),
        new(["customer", "name"], 64, FieldLimit.Filling.Text),
        new(["customer", "email"], 128, FieldLimit.Filling.Email),
        new(["order", "amount"], 12, FieldLimit.Filling.Digits),
        new(["online_to_offline_info", "expired_time"], 5, FieldLimit.Filling.Digits),
    ];

    private static readonly FieldLimit[] UpdateLimits =
    [
        // An update must repeat the code's own invoice number, so another one is refused at any length.
        new(["order", "invoice_number"], 64, FieldLimit.Filling.Invoice, RefusedAtAnyLength: true),
        new(["online_to_offline_info", "info"], 30, FieldLimit.Filling.Text),
        new(["customer", "name"], 40, FieldLimit.Filling.Text),
        new(["customer", "email"], 128, FieldLimit.Filling.Email),
        new(["order", "amount"], 12, FieldLimit.Filling.Digits),
        new(["online_to_offline_info", "expired_time"], 5, FieldLimit.Filling.Digits),
    ];

    private GatewayHost Gateway => fixture.Gateway;

    private TestMerchant Merchant => fixture.Merchant;

    [Fact]
    public async Task TheBodiesBeforeMutationAreAccepted()
    {
        var create = await SendAsync(HttpMethod.Post, Fresh(ValidCreate().ToString()));
        Assert.True(create.Status == HttpStatusCode.OK, create.Body);

        var (invoice, code) = await CreateCodeToUpdateAsync();
        var update = await SendAsync(HttpMethod.Patch, Encoding.UTF8.GetBytes(ValidUpdate(invoice, code).ToString()));
        Assert.True(update.Status == HttpStatusCode.OK, update.Body);
    }

    /// <summary>Found by these properties: the parser lets a lone surrogate escape through and throws only when the
    /// string is read, which used to surface as a 500 wherever the field reader met it (value or property name).</summary>
    [Theory]
    [InlineData("""{"order":{"invoice_number":"INV-\ud800","amount":150000},"online_to_offline_info":{"reusable_status":false},"customer":{"name":"A"}}""")]
    [InlineData("""{"order":{"invoice_number":"INV-1","amount":150000},"online_to_offline_info":{"reusable_status":false},"customer":{"name":"A"},"\udc00":1}""")]
    [InlineData("""{"additional_info":{"x":["\ud83d"]}}""")]
    public async Task ALoneSurrogateEscapeIsMalformedJson(string body)
    {
        var response = await SendAsync(HttpMethod.Post, Encoding.UTF8.GetBytes(body));
        response.AssertError(HttpStatusCode.BadRequest, "malformed_json");
    }

    [Fact]
    public void RandomJsonToCreateIsAnsweredCleanly() =>
        Check(JsonGen.Body, 250, body => CheckCreateAsync(Fresh(body.ToString()), body.ToString(), null));

    [Fact]
    public void MutatedCreateBodiesAreAnsweredCleanly()
    {
        var accepted = 0;
        Check(Mutations.Of(ValidCreate(), CreateLimits, Merchant.CodePrefix), 300, async m =>
        {
            if (await CheckCreateAsync(Fresh(m.Body.ToString()), m.ToString(), m.Expected))
            {
                accepted++;
            }
        });
        // Not a vacuous run: some mutations (a numeric string, a field at its limit) must still be accepted.
        Assert.True(accepted > 0, "no mutated create body was accepted");
    }

    [Fact]
    public void NonJsonToCreateIsAnsweredCleanly() =>
        Check(JsonGen.NotJson, 150, bytes => CheckCreateAsync(bytes, Describe(bytes), null));

    [Fact]
    public async Task RandomJsonToUpdateIsAnsweredCleanly()
    {
        var (_, code) = await CreateCodeToUpdateAsync();
        Check(JsonGen.Body, 200, body => CheckUpdateAsync(code, Encoding.UTF8.GetBytes(body.ToString()), body.ToString(), null));
    }

    [Fact]
    public async Task MutatedUpdateBodiesAreAnsweredCleanly()
    {
        var (invoice, code) = await CreateCodeToUpdateAsync();
        var accepted = 0;
        Check(Mutations.Of(ValidUpdate(invoice, code), UpdateLimits, Merchant.CodePrefix), 300, async m =>
        {
            if (await CheckUpdateAsync(code, Encoding.UTF8.GetBytes(m.Body.ToString()), m.ToString(), m.Expected))
            {
                accepted++;
            }
        });
        Assert.True(accepted > 0, "no mutated update body was accepted");
    }

    [Fact]
    public async Task NonJsonToUpdateIsAnsweredCleanly()
    {
        var (_, code) = await CreateCodeToUpdateAsync();
        Check(JsonGen.NotJson, 150, bytes => CheckUpdateAsync(code, bytes, Describe(bytes), null));
    }

    /// <summary>Runs the property <paramref name="maxTest"/> times; a failure throws with the generated input.</summary>
    private static void Check<T>(Gen<T> gen, int maxTest, Func<T, Task> property) =>
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(maxTest),
            Prop.ForAll(Arb.From(gen), (T input) => Task.Run(() => property(input)).GetAwaiter().GetResult()));

    /// <returns>Whether the gateway accepted the request.</returns>
    private async Task<bool> CheckCreateAsync(byte[] body, string sent, Expectation? expected)
    {
        var before = await CountsAsync();
        var path = body.Length % 2 == 0 ? TestMerchant.CreatePath : TestMerchant.CreatePathVirtualAccount;
        var response = await SendAsync(HttpMethod.Post, body, path);
        var after = await CountsAsync();

        var accepted = AssertAnsweredCleanly(response, sent, expected);
        if (accepted)
        {
            Assert.True(after == before with { Codes = before.Codes + 1, RequestIds = before.RequestIds + 1 },
                $"accepted create stored {after} after {before}\n{sent}");
            var code = (string?)response.Json["online_to_offline_info"]?["payment_code"];
            Assert.True(code is not null && code.StartsWith(Merchant.CodePrefix, StringComparison.Ordinal), response.Body);
        }
        else
        {
            Assert.True(after == before, $"refused create ({(int)response.Status}) stored {after} after {before}\n{sent}");
        }
        return accepted;
    }

    /// <returns>Whether the gateway accepted the request.</returns>
    private async Task<bool> CheckUpdateAsync(string code, byte[] body, string sent, Expectation? expected)
    {
        var before = await CountsAsync();
        var rowBefore = await RowAsync(code);
        var response = await SendAsync(HttpMethod.Patch, body);
        var after = await CountsAsync();
        var rowAfter = await RowAsync(code);

        var accepted = AssertAnsweredCleanly(response, sent, expected);
        if (accepted)
        {
            Assert.True(after == before with { RequestIds = before.RequestIds + 1 },
                $"accepted update stored {after} after {before}\n{sent}");
            // A mutation can be a valid cancel (status "delete"): put the shared code back so later runs can update it.
            await Gateway.ExecuteAsync("UPDATE payment_codes SET status = 'ACTIVE', cancelled_at = NULL WHERE code = $code AND status = 'CANCELLED'",
                ("$code", code));
        }
        else
        {
            Assert.True(after == before, $"refused update ({(int)response.Status}) stored {after} after {before}\n{sent}");
            Assert.True(rowAfter == rowBefore, $"refused update ({(int)response.Status}) changed the code\nfrom {rowBefore}\nto   {rowAfter}\n{sent}");
        }
        return accepted;
    }

    /// <summary>No 5xx; a refusal has the error body; a known expectation holds. Returns whether it was accepted.</summary>
    private static bool AssertAnsweredCleanly(ApiResponse response, string sent, Expectation? expected)
    {
        var status = (int)response.Status;
        Assert.True(status < 500, $"{status} {response.Body}\nfor {sent}");
        if (status is < 200 or >= 300)
        {
            Assert.True(IsErrorBody(response.Body), $"{status} without the error body: {response.Body}\nfor {sent}");
        }
        if (expected is { Accepted: true })
        {
            Assert.True(status == 200, $"expected 200, got {status} {response.Body}\nfor {sent}");
        }
        else if (expected is { Accepted: false })
        {
            Assert.True(status == 400 && response.ErrorField == expected.Field,
                $"expected 400 naming {expected.Field}, got {status} {response.Body}\nfor {sent}");
        }
        return status is >= 200 and < 300;
    }

    /// <summary><c>{"error":{"code": string, "message": string, ...}}</c>.</summary>
    private static bool IsErrorBody(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(message.GetString());
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private Task<ApiResponse> SendAsync(HttpMethod method, byte[] body, string path = TestMerchant.CreatePath) =>
        Merchant.SendBytesAsync(method, path, body);

    private sealed record Counts(long Codes, long RequestIds);

    private async Task<Counts> CountsAsync() => new(
        await Gateway.CountAsync("SELECT COUNT(*) FROM payment_codes"),
        await Gateway.CountAsync("SELECT COUNT(*) FROM idempotency_keys"));

    private async Task<string> RowAsync(string code)
    {
        var row = await Gateway.RowAsync("SELECT * FROM payment_codes WHERE code = $code", ("$code", code));
        return string.Join(", ", row.Select(c => $"{c.Key}={c.Value}"));
    }

    private async Task<(string Invoice, string Code)> CreateCodeToUpdateAsync()
    {
        var (code, body) = await Merchant.CreateCodeAsync();
        return ((string)body["order"]!["invoice_number"]!, code);
    }

    private static JsonMap ValidCreate()
    {
        var body = Mutations.FromJson(JsonSerializer.Serialize(TestMerchant.ValidCreate()));
        return body.Set(["order", "invoice_number"], new JsonString(Mutations.InvoicePlaceholder));
    }

    private static JsonMap ValidUpdate(string invoice, string code) =>
        JsonMap.Of(
            ("order", JsonMap.Of(("invoice_number", new JsonString(invoice)))),
            ("online_to_offline_info", JsonMap.Of(
                ("payment_code", new JsonString(code)),
                ("status", new JsonString("ACTIVE")),
                ("expired_time", new JsonLiteral("60")),
                ("reusable_status", new JsonLiteral("false")),
                ("info", new JsonString("x")))),
            ("customer", JsonMap.Of(("name", new JsonString("A")))));

    /// <summary>The body as bytes, with each invoice placeholder replaced by a unique invoice number of the same length.</summary>
    private static byte[] Fresh(string body)
    {
        while (body.Contains(Mutations.InvoicePlaceholder, StringComparison.Ordinal))
        {
            var unique = "INV-" + Guid.NewGuid().ToString("N")[..(Mutations.InvoicePlaceholder.Length - 4)];
            var at = body.IndexOf(Mutations.InvoicePlaceholder, StringComparison.Ordinal);
            body = string.Concat(body.AsSpan(0, at), unique, body.AsSpan(at + unique.Length));
        }
        return Encoding.UTF8.GetBytes(body);
    }

    private static string Describe(byte[] bytes) =>
        $"{bytes.Length} bytes: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 200)))}";
}
