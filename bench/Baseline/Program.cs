using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tunai.Signing;

// What the gateway's create endpoint does without storage: read the body, check the signature against one
// in-memory merchant, parse and check the fields, draw a code, serialize the answer once and sign those bytes.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BaselineJson.Default));
var app = builder.Build();
var clientId = app.Configuration["Baseline:ClientId"] ?? throw new InvalidOperationException("Baseline:ClientId is required");
var secretKey = app.Configuration["Baseline:SecretKey"] ?? throw new InvalidOperationException("Baseline:SecretKey is required");
const string Target = "/alfa-online-to-offline/v2/payment-code";

app.MapPost(Target, async (HttpContext http) =>
{
    var headers = http.Request.Headers;
    using var buffer = new MemoryStream();
    await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
    var body = buffer.ToArray();
    string requestId = headers[SignatureHeaders.RequestId].ToString();
    string timestamp = headers[SignatureHeaders.RequestTimestamp].ToString();
    if (headers[SignatureHeaders.ClientId] != clientId
        || !Signature.TryParseTimestamp(timestamp, out var signedAt)
        || (DateTimeOffset.UtcNow - signedAt).Duration() > TimeSpan.FromMinutes(5)
        || !Signature.Verify(secretKey, new SignatureInput(clientId, requestId, timestamp, Target, body), headers[SignatureHeaders.Signature]))
    {
        return Results.StatusCode(StatusCodes.Status401Unauthorized);
    }
    string invoice;
    long amount;
    try
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        invoice = root.GetProperty("order").GetProperty("invoice_number").GetString() ?? "";
        amount = root.GetProperty("order").GetProperty("amount").GetInt64();
        var info = root.GetProperty("online_to_offline_info");
        var minutes = info.GetProperty("expired_time").GetInt32();
        var name = root.GetProperty("customer").GetProperty("name").GetString() ?? "";
        if (invoice.Length is 0 or > 64 || amount <= 0 || minutes <= 0 || name.Length is 0 or > 64)
        {
            return Results.BadRequest();
        }
    }
    catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
    {
        return Results.BadRequest();
    }
    var code = "9" + RandomNumberGenerator.GetInt32(0, int.MaxValue).ToString("D15", System.Globalization.CultureInfo.InvariantCulture);
    var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
    var now = DateTimeOffset.UtcNow;
    var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}";
    var answer = JsonSerializer.SerializeToUtf8Bytes(new CreateAnswer(new OrderRef(invoice), new CodeInfo(code,
        $"{baseUrl}/how-to-pay/v2/alfa-online-to-offline/{code}/{token}",
        $"{baseUrl}/alfa-online-to-offline/v2/how-to-pay-api/{code}/{token}",
        now.ToOffset(TimeSpan.FromHours(7)).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture),
        now.AddHours(1).ToOffset(TimeSpan.FromHours(7)).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture),
        Signature.FormatTimestamp(now), Signature.FormatTimestamp(now.AddHours(1)))), BaselineJson.Default.CreateAnswer);
    var responseTimestamp = Signature.FormatTimestamp(now);
    http.Response.Headers[SignatureHeaders.ClientId] = clientId;
    http.Response.Headers[SignatureHeaders.RequestId] = requestId;
    http.Response.Headers[SignatureHeaders.ResponseTimestamp] = responseTimestamp;
    http.Response.Headers[SignatureHeaders.Signature] = Signature.Compute(secretKey,
        new SignatureInput(clientId, requestId, responseTimestamp, Target, answer, IsResponse: true));
    return Results.Bytes(answer, "application/json");
});
app.Run();

internal sealed record OrderRef(string InvoiceNumber);

internal sealed record CodeInfo(string PaymentCode, string HowToPayPage, string HowToPayApi, string CreatedDate, string ExpiredDate,
    string CreatedDateUtc, string ExpiredDateUtc);

internal sealed record CreateAnswer(OrderRef Order, CodeInfo OnlineToOfflineInfo);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CreateAnswer))]
internal sealed partial class BaselineJson : JsonSerializerContext;
