using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>
/// Random bytes in every field and query parameter of the merchant, store, admin and back-office routes, from a
/// seeded generator, for a few seconds on the database the run is configured for: nothing answers a 5xx. A
/// failure names the seed and the request, so it can be replayed.
/// </summary>
public sealed class RouteFuzzTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);

    /// <summary>Random bytes, percent-encoded as they are (so not necessarily UTF-8), for a path segment or query value.</summary>
    private static string UrlBytes(Random random)
    {
        var bytes = Bytes(random);
        return string.Concat(bytes.Select(b => b is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' ? ((char)b).ToString() : $"%{b:X2}"));
    }

    private static byte[] Bytes(Random random)
    {
        var bytes = new byte[random.Next(0, 24)];
        random.NextBytes(bytes);
        // Often the bytes that have hurt: NUL, ESC, CR/LF, a lone UTF-8 lead byte, U+202E, a quote.
        foreach (var i in Enumerable.Range(0, bytes.Length).Where(_ => random.Next(4) == 0))
        {
            bytes[i] = random.Next(6) switch { 0 => 0x00, 1 => 0x1B, 2 => 0x0D, 3 => 0x0A, 4 => 0xC3, _ => (byte)'"' };
        }
        return random.Next(5) == 0 ? [.. bytes, 0xE2, 0x80, 0xAE] : bytes;
    }

    /// <summary>A JSON string value from random characters: controls, direction marks, quotes, any plane.</summary>
    private static string Text(Random random)
    {
        var chars = new StringBuilder();
        for (var i = random.Next(0, 40); i > 0; i--)
        {
            chars.Append(random.Next(6) switch
            {
                0 => (char)random.Next(0, 32),
                1 => (char)random.Next(0x2000, 0x2070),
                2 => "\"\\'=+-@,"[random.Next(8)],
                3 => char.ConvertFromUtf32(random.Next(0x10000, 0x10FFFF) is var p && p is >= 0xD800 and <= 0xDFFF ? 0x1F600 : p),
                _ => (char)random.Next(32, 127),
            });
        }
        return chars.ToString();
    }

    /// <summary>A body: mostly JSON with random strings in the fields, sometimes raw random bytes.</summary>
    private static byte[] Body(Random random, params string[] fields)
    {
        if (random.Next(6) == 0)
        {
            return Bytes(random);
        }
        var body = new JsonObject();
        foreach (var field in fields)
        {
            var parts = field.Split('.');
            var node = body;
            foreach (var part in parts[..^1])
            {
                node = (JsonObject)(node[part] ??= new JsonObject());
            }
            node[parts[^1]] = random.Next(5) == 0 ? JsonValue.Create(random.NextInt64(-5, long.MaxValue)) : JsonValue.Create(Text(random));
        }
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    [Fact]
    public async Task RandomBytesInEveryFieldAndQueryNeverMakeA5xx()
    {
        const int seed = 20261206;
        var random = new Random(seed);
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        using var backOffice = new BackOfficeHttp(gateway);
        Assert.Equal(HttpStatusCode.Redirect, (await backOffice.SignInAsync(await BackOfficeAccounts.AddAsync(gateway, Roles.Admin), BackOfficeAccounts.Password)).Status);
        await backOffice.GetAsync($"/backoffice/merchants/{merchant.ClientId}");

        var failures = new List<string>();
        var sent = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Budget && failures.Count < 5)
        {
            var u = () => UrlBytes(random);
            var (what, status) = random.Next(12) switch
            {
                0 => await AdminGetAsync(gateway, random.Next(8) switch
                {
                    0 => $"/admin/v1/payment-codes?client_id={u()}&status={u()}&invoice_number={u()}",
                    1 => $"/admin/v1/notifications?client_id={u()}&status={u()}",
                    2 => $"/admin/v1/reports/transactions?client_id={u()}&from={u()}&to={u()}&format={u()}",
                    3 => $"/admin/v1/settlements?client_id={u()}&date={u()}",
                    4 => $"/admin/v1/merchants/{u()}",
                    5 => $"/admin/v1/acquirers/{u()}/reconciliations",
                    6 => $"/admin/v1/reconciliations/{u()}?after_line={u()}&limit={u()}",
                    _ => $"/admin/v1/payments/{u()}",
                }),
                1 => await AdminSendAsync(gateway, HttpMethod.Post, "/admin/v1/merchants", Body(random, "name", "client_id", "secret_key", "notification_url", "code_prefix")),
                2 => await AdminSendAsync(gateway, HttpMethod.Patch, $"/admin/v1/merchants/{merchant.ClientId}", Body(random, "name", "secret_key", "inquiry_url", "fee.percent")),
                3 => await AdminSendAsync(gateway, HttpMethod.Post, $"/admin/v1/merchants/{merchant.ClientId}/settlement-accounts",
                    Body(random, "id", "bank_code", "account_number", "account_name")),
                4 => await AdminSendAsync(gateway, HttpMethod.Put, "/admin/v1/sandbox/clock", Body(random, random.Next(2) == 0 ? "moment" : "forward_minutes")),
                5 => Signed("merchant create", await merchant.SendBytesAsync(HttpMethod.Post, TestMerchant.CreatePath,
                    Body(random, "order.invoice_number", "order.amount", "online_to_offline_info.info", "online_to_offline_info.expired_time", "customer.name", "customer.email"))),
                6 => Signed("merchant status", await merchant.SendAsync(HttpMethod.Get, $"/orders/v1/status/{u()}", null)),
                7 => Signed("store inquiry", await store.SendRawAsync(TestStore.InquiryPath,
                    Body(random, "online_to_offline_info.payment_code", "store.agent_id", "store.store_id", "trx_id", "date"))),
                8 => Signed("store payment", await store.SendRawAsync(TestStore.PaymentPath,
                    random.Next(2) == 0 ? Encoding.UTF8.GetBytes(TestStore.Body(code, Text(random), 150000, Text(random)).ToJsonString())
                        : Body(random, "online_to_offline_info.payment_code", "trx_id", "date", "order.amount"))),
                9 => await BackOfficeGetAsync(backOffice, random.Next(9) switch
                {
                    0 => $"/backoffice/search?q={u()}",
                    1 => $"/backoffice/notifications?merchant={u()}&status={u()}&since={u()}",
                    2 => $"/backoffice/audit?actor={u()}&action={u()}",
                    3 => $"/backoffice/settlements?merchant={u()}&date={u()}",
                    4 => $"/backoffice/keys?merchant={u()}&acquirer={u()}",
                    5 => $"/backoffice/codes/{u()}",
                    6 => $"/backoffice/merchants/{u()}",
                    7 => $"/backoffice/language/{u()}?back={u()}",
                    _ => $"/backoffice/reconciliations/{u()}?class={u()}&after={u()}",
                }),
                10 => await BackOfficePostAsync(backOffice, $"/backoffice/merchants/{merchant.ClientId}", "urls",
                    [new("NotificationUrl", Text(random)), new("InquiryUrl", Text(random))]),
                _ => random.Next(2) == 0
                    ? await BackOfficePostAsync(backOffice, "/backoffice/sandbox/clock", "to-moment", [new("Moment", Text(random))])
                    : await BackOfficePostAsync(backOffice, "/backoffice/sandbox/clock", "forward", [new("Minutes", Text(random))]),
            };
            sent++;
            if ((int)status >= 500)
            {
                failures.Add($"{(int)status} {what}");
            }
        }

        Assert.True(failures.Count == 0, $"seed {seed}, {sent} requests:\n{string.Join("\n", failures)}");
        Assert.True(sent > 50, $"only {sent} requests in {Budget}");
    }

    private static (string, HttpStatusCode) Signed(string what, ApiResponse response) => ($"{what} {response.Target}", response.Status);

    private static async Task<(string, HttpStatusCode)> AdminGetAsync(GatewayHost gateway, string path)
    {
        using var response = await gateway.Admin.GetAsync(path);
        return ($"GET {path}", response.StatusCode);
    }

    private static async Task<(string, HttpStatusCode)> AdminSendAsync(GatewayHost gateway, HttpMethod method, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await gateway.Admin.SendAsync(request);
        return ($"{method} {path} {Convert.ToHexString(body)}", response.StatusCode);
    }

    private static async Task<(string, HttpStatusCode)> BackOfficeGetAsync(BackOfficeHttp client, string path) =>
        ($"GET {path}", (await client.GetAsync(path)).Status);

    private static async Task<(string, HttpStatusCode)> BackOfficePostAsync(BackOfficeHttp client, string path, string handler,
        KeyValuePair<string, string>[] fields)
    {
        await client.GetAsync(path);
        return ($"POST {path} {handler} {string.Join("&", fields.Select(f => $"{f.Key}={Convert.ToHexString(Encoding.UTF8.GetBytes(f.Value))}"))}",
            (await client.PostAsync(path, handler, fields)).Status);
    }
}
