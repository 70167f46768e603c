using System.Globalization;
using System.Text;
using System.Text.Json;
using Tunai.Bench.Tool;
using Tunai.Signing;

// bench/run's helpers. Request files have one request per line, tab-separated, for bench/requests.lua:
// path, Client-Id, Request-Id, Request-Timestamp, Signature, body.
return args switch
{
    ["create", var clientId, var secret, var count, var tag, var output] => SignCreate(clientId, secret, int.Parse(count, CultureInfo.InvariantCulture), tag, output),
    ["store", var kind, var clientId, var secret, var codes, var output] => SignStore(kind, clientId, secret, codes, output),
    ["load", var database, var clientId, var count, var start, var sample, var output] => Load.Run(database, clientId,
        long.Parse(count, CultureInfo.InvariantCulture), long.Parse(start, CultureInfo.InvariantCulture), int.Parse(sample, CultureInfo.InvariantCulture), output),
    ["notify-wait", var database, _, var timeout] => Notify.Wait(database, TimeSpan.FromSeconds(double.Parse(timeout, CultureInfo.InvariantCulture))),
    ["notify-stats", var database, var deliveries, var codes, var label, var step, var connections, var peakKb] => Notify.Stats(database, deliveries, codes,
        label, step, int.Parse(connections, CultureInfo.InvariantCulture), long.Parse(peakKb, CultureInfo.InvariantCulture)),
    ["pg-create", var server, var name] => Databases.CreatePostgres(server, name),
    ["pg-drop", var server, var name] => Databases.DropPostgres(server, name),
    ["receive", var port, var output] => await ReceiveAsync(int.Parse(port, CultureInfo.InvariantCulture), output),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: create <client-id> <secret> <count> <tag> <out>
               store inquiry|payment|pay <acquirer-client-id> <secret> <codes-file> <out>
               load <database> <merchant-client-id> <count> <first-index> <sample> <sample-out>
               receive <port> <out>
               notify-wait <database> <deliveries.tsv> <timeout s>
               notify-stats <database> <deliveries.tsv> <codes.tsv> <label> <step> <connections> <peak kB>
               pg-create <server-connection-string> <name>   (prints the new database's connection string)
               pg-drop <server-connection-string> <name>
        <database> is a SQLite file, or a PostgreSQL connection string when it contains Host=.
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
