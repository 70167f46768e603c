using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tunai.Signing;

// bench/run's helpers. Request files have one request per line, tab-separated, for bench/requests.lua:
// path, Client-Id, Request-Id, Request-Timestamp, Signature, body.
return args switch
{
    ["create", var clientId, var secret, var count, var tag, var output] => SignCreate(clientId, secret, int.Parse(count, CultureInfo.InvariantCulture), tag, output),
    ["store", var kind, var clientId, var secret, var codes, var output] => SignStore(kind, clientId, secret, codes, output),
    ["load", var database, var clientId, var count, var start, var sample, var output] => Load(database, clientId,
        long.Parse(count, CultureInfo.InvariantCulture), long.Parse(start, CultureInfo.InvariantCulture), int.Parse(sample, CultureInfo.InvariantCulture), output),
    ["receive", var port, var output] => await ReceiveAsync(int.Parse(port, CultureInfo.InvariantCulture), output),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: create <client-id> <secret> <count> <tag> <out>
               store inquiry|payment|pay <acquirer-client-id> <secret> <codes-file> <out>
               load <sqlite-file> <merchant-client-id> <count> <first-index> <sample> <sample-out>
               receive <port> <out>
        """);
    return 2;
}

static void WriteSigned(StreamWriter writer, string clientId, string secret, string path, string body, string timestamp)
{
    var requestId = Guid.NewGuid().ToString();
    var bytes = Encoding.UTF8.GetBytes(body);
    var signature = Signature.Compute(secret, new SignatureInput(clientId, requestId, timestamp, path, bytes));
    writer.Write($"{path}\t{clientId}\t{requestId}\t{timestamp}\t{signature}\t{body}\n");
}

static int SignCreate(string clientId, string secret, int count, string tag, string output)
{
    var timestamp = Signature.FormatTimestamp(DateTimeOffset.UtcNow);
    using var writer = new StreamWriter(output);
    for (var i = 0; i < count; i++)
    {
        var body = "{\"order\":{\"invoice_number\":\"BENCH-" + tag + "-" + i.ToString(CultureInfo.InvariantCulture)
            + "\",\"amount\":150000},\"online_to_offline_info\":{\"expired_time\":60,\"reusable_status\":false,\"info\":\"Bench Store\"},"
            + "\"customer\":{\"name\":\"Bench Customer\",\"email\":\"bench@example.com\"}}";
        WriteSigned(writer, clientId, secret, "/alfa-online-to-offline/v2/payment-code", body, timestamp);
    }
    return 0;
}

// Codes file: "code<TAB>amount" per line. "pay" writes an inquiry and then a payment for each code.
static int SignStore(string kind, string clientId, string secret, string codesFile, string output)
{
    var now = DateTimeOffset.UtcNow;
    var timestamp = Signature.FormatTimestamp(now);
    using var writer = new StreamWriter(output);
    foreach (var line in File.ReadLines(codesFile))
    {
        var parts = line.Split('\t');
        var (code, amount) = (parts[0], parts[1]);
        var trx = Guid.NewGuid().ToString("N");
        var common = "\"online_to_offline_info\":{\"payment_code\":\"" + code + "\"},\"store\":{\"agent_id\":\"ALFAMART\",\"store_id\":\"BENCH01\",\"terminal_id\":\"T1\"},"
            + "\"trx_id\":\"" + trx + "\",\"date\":\"" + timestamp + "\"";
        if (kind is "inquiry" or "pay")
        {
            WriteSigned(writer, clientId, secret, "/acquirer/v1/alfa/inquiry", "{" + common + "}", timestamp);
        }
        if (kind is "payment" or "pay")
        {
            WriteSigned(writer, clientId, secret, "/acquirer/v1/alfa/payment", "{" + common + ",\"order\":{\"amount\":" + amount + "}}", timestamp);
        }
    }
    return 0;
}

// Straight into the gateway's SQLite file, one transaction of INSERTs matching payment_codes. Codes are the
// merchant's prefix and the row's index, so the run can pick a spread-out sample to pay without reading them back.
static int Load(string database, string clientId, long count, long start, int sample, string output)
{
    using var connection = new SqliteConnection($"Data Source={database};Pooling=false");
    connection.Open();
    using (var pragma = connection.CreateCommand())
    {
        // A large page cache for this connection only: the invoice index takes its keys out of order, and with the
        // default 2 MB cache a million inserts spend their time re-reading pages.
        pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA cache_size = -262144";
        pragma.ExecuteNonQuery();
    }
    long merchantId;
    string prefix;
    using (var find = connection.CreateCommand())
    {
        find.CommandText = "SELECT id, code_prefix FROM merchants WHERE client_id = $c";
        find.Parameters.AddWithValue("$c", clientId);
        using var reader = find.ExecuteReader();
        if (!reader.Read())
        {
            Console.Error.WriteLine($"load: no merchant {clientId} in {database}");
            return 1;
        }
        (merchantId, prefix) = (reader.GetInt64(0), reader.GetString(1));
    }
    var digits = 16 - prefix.Length;
    string Code(long index) => prefix + index.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    using var tx = connection.BeginTransaction();
    using var insert = connection.CreateCommand();
    insert.Transaction = tx;
    insert.CommandText = """
        INSERT INTO payment_codes (merchant_id, code, kind, invoice_number, amount, status, reusable, info, customer_name,
            customer_email, request_id, how_to_pay_token, created_at, expires_at, updated_at)
        VALUES ($m, $code, 'DGPC', $invoice, 150000, 'ACTIVE', 0, 'Bench Store', 'Bench Customer',
            'bench@example.com', $request, $token, $now, $expires, $now)
        """;
    var m = insert.Parameters.Add("$m", SqliteType.Integer);
    var codeParameter = insert.Parameters.Add("$code", SqliteType.Text);
    var invoice = insert.Parameters.Add("$invoice", SqliteType.Text);
    var request = insert.Parameters.Add("$request", SqliteType.Text);
    var token = insert.Parameters.Add("$token", SqliteType.Text);
    insert.Parameters.AddWithValue("$now", now);
    insert.Parameters.AddWithValue("$expires", now + (long)TimeSpan.FromDays(1).TotalMilliseconds);
    m.Value = merchantId;
    insert.Prepare();
    for (var i = start; i < start + count; i++)
    {
        codeParameter.Value = Code(i);
        invoice.Value = $"BULK-{i}";
        request.Value = $"bulk-{i}";
        token.Value = $"bulk-token-{i}";
        insert.ExecuteNonQuery();
    }
    tx.Commit();
    // A sample spread over the whole range, in random order, so the measured codes are not all in one corner of the index.
    var random = new Random(7);
    var picked = new HashSet<long>();
    var take = (int)Math.Min(sample, count);
    using var writer = new StreamWriter(output);
    while (picked.Count < take)
    {
        var index = start + random.NextInt64(count);
        if (picked.Add(index))
        {
            writer.Write($"{Code(index)}\t150000\n");
        }
    }
    return 0;
}

// Answers 200 to every notification and writes "arrival unix ms<TAB>payment code" per delivery.
static async Task<int> ReceiveAsync(int port, string output)
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
    var app = builder.Build();
    var writer = new StreamWriter(output, append: true) { AutoFlush = true };
    var gate = new Lock();
    app.MapPost("/notify", async (HttpContext http) =>
    {
        var arrived = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        var code = document.RootElement.GetProperty("online_to_offline_info").GetProperty("payment_code").GetString();
        lock (gate)
        {
            writer.Write($"{arrived}\t{code}\n");
        }
        return Results.Ok();
    });
    await app.RunAsync();
    writer.Dispose();
    return 0;
}
