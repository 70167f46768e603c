using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Tunai.Signing;

namespace Tunai.Gateway.Snap;

/// <summary>
/// The SNAP document (<c>/openapi/snap.json</c>): every SNAP route with its headers, body, examples and responseCodes.
/// The handlers read raw bytes and write SNAP JSON, so the generator sees none of it; it is written here.
/// </summary>
public static class SnapDocs
{
    /// <summary>True for a SNAP route's path.</summary>
    public static bool IsSnapPath(string path) =>
        path.StartsWith("/v1.0/", StringComparison.Ordinal) || path.StartsWith("/authorization/", StringComparison.Ordinal)
        || path.StartsWith("/virtual-accounts/", StringComparison.Ordinal) || path.StartsWith("/orders/v1.0/transfer-va/", StringComparison.Ordinal)
        || path.StartsWith("/snap/", StringComparison.Ordinal);

    public const string PublicKeyPath = "/snap/public-key";

    public const string Description =
        "Alfa store payment codes over SNAP (Bank Indonesia's national open-API standard), at the provider SDK's paths and at " +
        "Bank Indonesia's. A B2B access token (RSA SHA256withRSA over clientId|X-TIMESTAMP, verified with the merchant's " +
        "registered snap_public_key), then each transaction signed with base64(HMAC-SHA512(secret key, " +
        "METHOD:path:accessToken:lowercase(hex(SHA-256(body))):X-TIMESTAMP)). Every answer carries a 7-character string " +
        "responseCode: HTTP status, service code, case code; the HTTP status is its first three digits. A repeated " +
        "X-EXTERNAL-ID with the same request answers the stored answer with 409 and Tunai-Replayed: true.";

    private static readonly (string Name, string About)[] TokenHeaders =
    [
        (SnapHeaders.ClientKey, "The merchant's Client-Id"),
        (SnapHeaders.Timestamp, "ISO-8601 with Z or an offset (2026-12-07T11:43:40+07:00), within the gateway's window (5 minutes by default)"),
        (SnapHeaders.Signature, "base64(SHA256withRSA(merchant's private key, Client-Id + \"|\" + X-TIMESTAMP))"),
    ];

    private static readonly (string Name, string About)[] TransactionHeaders =
    [
        ("Authorization", "Bearer <accessToken> from the B2B token call; valid 900 s after its last use"),
        (SnapHeaders.PartnerId, "The merchant's Client-Id: the token's merchant"),
        (SnapHeaders.ExternalId, "Up to 64 printable characters, unique per merchant per day; a repeat replays the stored answer (409, Tunai-Replayed: true)"),
        (SnapHeaders.ChannelId, "Any value (the provider's SDK sends SDK)"),
        (SnapHeaders.Timestamp, "ISO-8601 with Z or an offset, with or without milliseconds, within the gateway's window"),
        (SnapHeaders.Signature, "base64(HMAC-SHA512(secret key, METHOD:path:accessToken:lowercase(hex(SHA-256(body))):X-TIMESTAMP)); the body hash may also be over the body without whitespace or re-serialised minimally"),
    ];

    private sealed record Service(string Code, string Summary, JsonObject Request, JsonObject Success, string[] Refusals, bool Transaction = true);

    private static JsonObject VaData() => new()
    {
        ["partnerServiceId"] = "   88899",
        ["customerNo"] = "12345678901",
        ["virtualAccountNo"] = "   8889912345678901",
        ["virtualAccountName"] = "Anton Budiman",
        ["virtualAccountEmail"] = "anton@example.com",
        ["virtualAccountPhone"] = "081234567890",
        ["trxId"] = "INV-20261207-0001",
        ["totalAmount"] = new JsonObject { ["value"] = "150000.00", ["currency"] = "IDR" },
        ["virtualAccountTrxType"] = "C",
        ["reusableStatus"] = false,
        ["expiredDate"] = "2026-12-08T23:59:59+07:00",
        ["freeText"] = new JsonArray(new JsonObject { ["english"] = "Demo Store", ["indonesia"] = "Toko Demo" }),
        ["additionalInfo"] = new JsonObject
        {
            ["channel"] = "ALFAMART",
            ["howToPayPage"] = "https://pay.example.com/how-to-pay/v2/alfa-online-to-offline/8889912345678901/tok",
            ["howToPayApi"] = "https://pay.example.com/alfa-online-to-offline/v2/how-to-pay-api/8889912345678901/tok",
        },
    };

    private static JsonObject CreateRequest()
    {
        var body = VaData();
        body.Remove("reusableStatus");
        body["reusableStatus"] = false;
        body["additionalInfo"] = new JsonObject { ["channel"] = "ALFAMART" };
        return body;
    }

    private static JsonObject KeyRequest() => new()
    {
        ["partnerServiceId"] = "   88899",
        ["customerNo"] = "12345678901",
        ["virtualAccountNo"] = "   8889912345678901",
    };

    private static readonly string[] CommonRefusals = ["01", "02", "00:401", "01:401", "00:409"];

    private static Service? Find(string path) => path switch
    {
        "/authorization/v1/access-token/b2b" or "/v1.0/access-token/b2b" => new Service(SnapService.Token, "B2B access token",
            new JsonObject { ["grantType"] = "client_credentials" },
            new JsonObject { ["accessToken"] = "q3v8Y0uXH3C8c0Bq8cZ5k1o9R7r2a6S4f1L0p3W9e8M", ["tokenType"] = "Bearer", ["expiresIn"] = 900 },
            ["01", "02", "00:401"], Transaction: false),
        _ when path.EndsWith("/create-va", StringComparison.Ordinal) => new Service(SnapService.Create,
            "Create an Alfa store code (customerNo absent: Tunai generates it)", CreateRequest(),
            new JsonObject { ["virtualAccountData"] = VaData() }, [.. CommonRefusals, "13:404", "01:409"]),
        _ when path.EndsWith("/update-va", StringComparison.Ordinal) => new Service(SnapService.Update,
            "Update a code (amount, expiry, customer, free text)", CreateRequest(),
            new JsonObject { ["virtualAccountData"] = VaData() }, [.. CommonRefusals, "12:404", "13:404", "14:404", "18:404", "19:404", "00:403"]),
        _ when path.EndsWith("/delete-va", StringComparison.Ordinal) => new Service(SnapService.Delete,
            "Delete (cancel) a code", Merge(KeyRequest(), new JsonObject { ["trxId"] = "INV-20261207-0001", ["additionalInfo"] = new JsonObject { ["channel"] = "ALFAMART" } }),
            new JsonObject { ["virtualAccountData"] = VaData() }, [.. CommonRefusals, "12:404", "14:404", "18:404", "19:404"]),
        _ when path.EndsWith("/status", StringComparison.Ordinal) => new Service(SnapService.Status,
            "Status of a code", Merge(KeyRequest(), new JsonObject { ["inquiryRequestId"] = null, ["paymentRequestId"] = null }),
            new JsonObject
            {
                ["virtualAccountData"] = Merge(KeyRequest(), new JsonObject
                {
                    ["inquiryRequestId"] = "",
                    ["paymentRequestId"] = "",
                    ["trxId"] = "INV-20261207-0001",
                    ["paidAmount"] = new JsonObject { ["value"] = "150000.00", ["currency"] = "IDR" },
                    ["totalAmount"] = new JsonObject { ["value"] = "150000.00", ["currency"] = "IDR" },
                    ["transactionDate"] = "2026-12-07T14:05:11+07:00",
                    ["referenceNo"] = "TRX-0000123",
                    ["paymentFlagStatus"] = "00",
                    ["paymentFlagReason"] = new JsonObject { ["english"] = "Success", ["indonesia"] = "Sukses" },
                    ["billDetails"] = new JsonArray(),
                }),
                ["additionalInfo"] = new JsonObject { ["acquirer"] = new JsonObject { ["id"] = "ALFA" }, ["trxStatus"] = "PAID", ["channel"] = "ALFAMART" },
            }, [.. CommonRefusals, "12:404"]),
        _ => null,
    };

    private static JsonObject Merge(JsonObject a, JsonObject b)
    {
        foreach (var (k, v) in b.ToList())
        {
            b.Remove(k);
            a[k] = v;
        }
        return a;
    }

    private static readonly Dictionary<string, string> Messages = new()
    {
        ["400:00"] = "Bad Request. [malformed JSON or a key given twice]",
        ["400:01"] = "Invalid Field Format {field}",
        ["400:02"] = "Invalid Mandatory Field {field}",
        ["401:00"] = "Unauthorized. [signature, unknown client, stale timestamp or X-PARTNER-ID]",
        ["401:01"] = "Invalid Token (B2B)",
        ["403:00"] = "Transaction Expired",
        ["404:12"] = "Invalid Bill/Virtual Account [Not Found]",
        ["404:13"] = "Invalid Amount",
        ["404:14"] = "Paid Bill",
        ["404:18"] = "Inconsistent Request",
        ["404:19"] = "Invalid Bill/Virtual Account [Cancelled]",
        ["409:00"] = "Conflict. [X-EXTERNAL-ID already used today for another request]",
        ["409:01"] = "Duplicate partnerReferenceNo [trxId or virtualAccountNo already registered]",
        ["429:00"] = "Too Many Requests",
    };

    private static OpenApiSchema AnswerSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "responseCode", "responseMessage" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["responseCode"] = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9]{7}$", Description = "HTTP status + service code + case code, always a string" },
            ["responseMessage"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };

    /// <summary>Describes a SNAP operation; false when the path is not one.</summary>
    public static bool Apply(OpenApiOperation operation, string path)
    {
        if (path == PublicKeyPath)
        {
            operation.Summary = "Tunai's SNAP public key (PEM), which merchants speaking SNAP verify Tunai's token requests with; no authentication";
            operation.Parameters = [];
            operation.Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = "SubjectPublicKeyInfo PEM of an RSA 2048 key",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/x-pem-file"] = new()
                    {
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                        Examples = new Dictionary<string, IOpenApiExample>
                        {
                            ["pem"] = new OpenApiExample { Value = JsonValue.Create("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...\n-----END PUBLIC KEY-----") },
                        },
                    } },
                },
            };
            return true;
        }
        if (Find(path) is not { } service)
        {
            return false;
        }
        operation.Summary = service.Summary;
        operation.Description = Description;
        operation.Parameters = [];
        foreach (var (name, about) in service.Transaction ? TransactionHeaders : TokenHeaders)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name, In = ParameterLocation.Header, Required = true, Description = about,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new()
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Object },
                    Examples = new Dictionary<string, IOpenApiExample> { ["request"] = new OpenApiExample { Value = service.Request } },
                },
            },
        };
        operation.Responses = new OpenApiResponses();
        var success = Merge(new JsonObject { ["responseCode"] = $"200{service.Code}00", ["responseMessage"] = "Successful" }, service.Success);
        operation.Responses["200"] = new OpenApiResponse
        {
            Description = $"200{service.Code}00 Successful",
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new()
            {
                Schema = AnswerSchema(),
                Examples = new Dictionary<string, IOpenApiExample> { [$"200{service.Code}00"] = new OpenApiExample { Value = success } },
            } },
        };
        var refusals = service.Refusals.Append("00:429").Select(r => r.Contains(':', StringComparison.Ordinal)
            ? (Status: r[3..], Case: r[..2]) : (Status: "400", Case: r));
        foreach (var group in refusals.GroupBy(r => r.Status))
        {
            var examples = new Dictionary<string, IOpenApiExample>();
            foreach (var (status, @case) in group)
            {
                var code = $"{status}{service.Code}{@case}";
                examples[code] = new OpenApiExample
                {
                    Summary = code,
                    Value = new JsonObject { ["responseCode"] = code, ["responseMessage"] = Messages[$"{status}:{@case}"] },
                };
            }
            operation.Responses[group.Key] = new OpenApiResponse
            {
                Description = string.Join("; ", examples.Keys.Select(k => $"{k} {Messages[$"{k[..3]}:{k[5..]}"]}")),
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = AnswerSchema(), Examples = examples } },
            };
        }
        return true;
    }

    private static readonly (string Name, string About)[] OutboundHeaders =
    [
        ("Authorization", "Bearer <accessToken> the merchant's token URL issued to Tunai (kept until 60 s, or a tenth of expiresIn, before it ends)"),
        (SnapHeaders.PartnerId, "The merchant's Client-Id"),
        (SnapHeaders.ExternalId, "The notification's Request-Id (the same on every attempt), or the inquiry's inquiryRequestId"),
        (SnapHeaders.ChannelId, "ALFAMART"),
        (SnapHeaders.Timestamp, "WIB, e.g. 2026-12-07T14:05:11+07:00"),
        (SnapHeaders.Signature, "base64(HMAC-SHA512(secret key, POST:<path and query of the merchant's URL>:<token>:lowercase(hex(SHA-256(body))):X-TIMESTAMP)); <token> is the Bearer token, or with snap_signature_token ISSUED_TOKEN the last B2B token Tunai issued to the merchant"),
    ];

    /// <summary>What Tunai sends a merchant speaking SNAP: its token request, the payment notification and the direct inquiry.</summary>
    public static void AddWebhooks(OpenApiDocument document)
    {
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        document.Webhooks["snap-token"] = Webhook("Posted to the merchant's snap_token_url before a notification or inquiry when Tunai holds no fresh token",
            TokenHeaders.Select(h => h.Name == SnapHeaders.Signature ? (h.Name, "base64(SHA256withRSA(Tunai's private key, Client-Id + \"|\" + X-TIMESTAMP)), verified with GET /snap/public-key") : h),
            new JsonObject { ["grantType"] = "client_credentials" },
            new JsonObject { ["responseCode"] = "2007300", ["responseMessage"] = "Successful", ["accessToken"] = "eyJhbGciOiJSUzI1NiJ9...", ["tokenType"] = "Bearer", ["expiresIn"] = 900 },
            "A 2xx with responseCode 200xxxx, accessToken and expiresIn (a number, or digits in a string)");
        document.Webhooks["snap-payment-notification"] = Webhook(
            "transfer-va/payment posted to the merchant's snap_notification_url after a payment (trxStatus PAID) or a reversal (REVERSED)",
            OutboundHeaders, PaymentExample(),
            new JsonObject { ["responseCode"] = "2002500", ["responseMessage"] = "Successful" },
            "Delivered when the answer is a 2xx whose responseCode (a string or a number) begins with 200; anything else is retried");
        document.Webhooks["snap-direct-inquiry"] = Webhook(
            "transfer-va/inquiry posted to the merchant's snap_inquiry_url when a store asks for an unknown code under its prefix; the answer must carry X-TIMESTAMP and X-SIGNATURE = base64(HMAC-SHA512(secret key, POST:<path>:<token>:lowercase(hex(SHA-256(answer))):X-TIMESTAMP))",
            OutboundHeaders, InquiryExample(), InquiryAnswerExample(),
            "2002400 with virtualAccountData.inquiryStatus 00: the bill; 404xx12 not found, 404xx14 paid, 403xx00 expired, anything else a decline");
    }

    private static OpenApiPathItem Webhook(string summary, IEnumerable<(string Name, string About)> headers, JsonObject request, JsonObject answer, string answerAbout)
    {
        var operation = new OpenApiOperation
        {
            Summary = summary,
            Parameters = [.. headers.Select(h => (IOpenApiParameter)new OpenApiParameter
            {
                Name = h.Name, In = ParameterLocation.Header, Required = true, Description = h.About, Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            })],
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new()
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Object },
                    Examples = new Dictionary<string, IOpenApiExample> { ["request"] = new OpenApiExample { Value = request } },
                } },
            },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = answerAbout,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new()
                    {
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Object },
                        Examples = new Dictionary<string, IOpenApiExample> { ["answer"] = new OpenApiExample { Value = answer } },
                    } },
                },
            },
        };
        return new OpenApiPathItem { Operations = new() { [HttpMethod.Post] = operation } };
    }

    private static JsonObject PaymentExample() => Merge(KeyRequest(), new JsonObject
    {
        ["virtualAccountName"] = "Anton Budiman",
        ["virtualAccountEmail"] = "anton@example.com",
        ["trxId"] = "INV-20261207-0001",
        ["paymentRequestId"] = "5f0c7a4e-1d2b-4c3a-9e8f-0a1b2c3d4e5f",
        ["channelCode"] = SnapMerchantMessages.ChannelCode,
        ["paidAmount"] = new JsonObject { ["value"] = "150000.00", ["currency"] = "IDR" },
        ["totalAmount"] = new JsonObject { ["value"] = "150000.00", ["currency"] = "IDR" },
        ["trxDateTime"] = "2026-12-07T14:05:11+07:00",
        ["referenceNo"] = "TRX-0000123",
        ["flagAdvise"] = "N",
        ["additionalInfo"] = new JsonObject
        {
            ["channel"] = "ALFAMART", ["acquirer"] = new JsonObject { ["id"] = "ALFA" }, ["trxStatus"] = "PAID",
            ["eventDateTime"] = "2026-12-07T14:05:11+07:00", ["agentId"] = "ALFAMART", ["storeId"] = "TZ01",
        },
    });

    private static JsonObject InquiryExample() => Merge(KeyRequest(), new JsonObject
    {
        ["trxDateInit"] = "2026-12-07T14:04:58+07:00",
        ["channelCode"] = SnapMerchantMessages.ChannelCode,
        ["language"] = "ID",
        ["inquiryRequestId"] = "9b2d8f1e-6c4a-4f7b-8a3e-2d1c0b9a8f7e",
        ["additionalInfo"] = new JsonObject
        {
            ["channel"] = "ALFAMART", ["acquirer"] = new JsonObject { ["id"] = "ALFA" }, ["agentId"] = "ALFAMART", ["storeId"] = "TZ01",
            ["terminalId"] = "T01", ["storeTrxId"] = "TRX-0000123",
        },
    });

    private static JsonObject InquiryAnswerExample() => new()
    {
        ["responseCode"] = "2002400",
        ["responseMessage"] = "Successful",
        ["virtualAccountData"] = Merge(KeyRequest(), new JsonObject
        {
            ["inquiryStatus"] = "00",
            ["inquiryReason"] = new JsonObject { ["english"] = "Success", ["indonesia"] = "Sukses" },
            ["virtualAccountName"] = "Anton Budiman",
            ["virtualAccountEmail"] = "anton@example.com",
            ["trxId"] = "INV-20261207-0001",
            ["totalAmount"] = new JsonObject { ["value"] = "150000.00", ["currency"] = "IDR" },
            ["virtualAccountTrxType"] = "C",
            ["inquiryRequestId"] = "9b2d8f1e-6c4a-4f7b-8a3e-2d1c0b9a8f7e",
            ["freeTexts"] = new JsonArray(new JsonObject { ["english"] = "Thank you", ["indonesia"] = "Terima kasih" }),
        }),
    };
}
