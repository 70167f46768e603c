using System.Text.Json.Nodes;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Ledger;
using Tunai.Gateway.Fees;
using Tunai.Gateway.Settlement;
using Tunai.Gateway.Reconciliation;
using Tunai.Gateway.Notifications;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.OpenApi;

// The admin API's request bodies as its handlers read them (nullable = may be left out).

public sealed record NewMerchantRequest(
    [property: Text(128)] string Name,
    [property: Text(64, Pattern = "^[A-Za-z0-9_-]{3,64}$")] string? ClientId,
    [property: Text(256, Pattern = "^.{8,}$")] string? SecretKey,
    [property: Text(12, Pattern = "^[1-9][0-9]{2,11}$")] string? CodePrefix,
    [property: Text(2048, Format = "uri")] string? NotificationUrl,
    [property: Text(2048, Format = "uri")] string? InquiryUrl);

/// <summary>A price: a fixed part in rupiah plus a percentage ("0.50"), bounded by min and max.</summary>
public sealed record FeeRequest(
    [property: Digits(12)] long? Fixed,
    [property: Text(6, Pattern = @"^[0-9]{1,3}(\.[0-9]{1,2})?$")] string? Percent,
    [property: Digits(12)] long? Min,
    [property: Digits(12)] long? Max);

public sealed record MerchantPatchRequest(
    [property: Text(128)] string? Name,
    [property: Text(256, Pattern = "^.{8,}$")] string? SecretKey,
    [property: Flag] bool? RegenerateSecretKey,
    [property: Flag] bool? Disabled,
    [property: Text(2048, Format = "uri")] string? NotificationUrl,
    [property: Text(2048, Format = "uri")] string? InquiryUrl,
    IReadOnlyList<string>? NotificationOrigins,
    FeeRequest? Fee,
    [property: Text(8192)] string? SnapPublicKey = null,
    [property: Text(16, OneOf = ["ALFA_O2O", "SNAP"])] string? NotificationProtocol = null,
    [property: Text(2048, Format = "uri")] string? SnapTokenUrl = null,
    [property: Text(2048, Format = "uri")] string? SnapNotificationUrl = null,
    [property: Text(2048, Format = "uri")] string? SnapInquiryUrl = null,
    [property: Text(16, OneOf = ["ACCESS_TOKEN", "ISSUED_TOKEN"])] string? SnapSignatureToken = null);

/// <summary>A key rotation: how long the old key keeps verifying (default one day, at most 30 days). The body may be left out.</summary>
public sealed record RotateKeyRequest([property: Digits(8)] long? OldKeyExpiresIn);

public sealed record NewSettlementAccountRequest(
    [property: Text(64, Pattern = "^[A-Za-z0-9_-]{1,64}$")] string Id,
    [property: Text(11, Pattern = "^[A-Za-z0-9]{3,11}$")] string BankCode,
    [property: Text(34)] string AccountNumber,
    [property: Text(128)] string AccountName);

public sealed record NewSubAccountRequest(
    [property: Text(64, Pattern = "^[A-Za-z0-9_-]{1,64}$")] string Id,
    [property: Text(128)] string Name);

public sealed record NewAcquirerRequest([property: Text(16, Pattern = "^[A-Z0-9_]+$")] string Id, [property: Text(128)] string Name);

/// <summary>Either cost (what the store network keeps of each payment) or disabled, one per request.</summary>
public sealed record AcquirerPatchRequest(FeeRequest? Cost, [property: Flag] bool? Disabled);

public sealed record CloseDayRequest([property: Text(10, Pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", Format = "date")] string Date, [property: Text(64)] string? ClientId);

/// <summary>A move of the sandbox's test clock: to a moment, or forward by some minutes (one of the two).</summary>
public sealed record MoveClockRequest(
    [property: Text(40, Format = "date-time")] string? Moment,
    [property: Digits(7)] long? ForwardMinutes);

public sealed record BatchPaidRequest([property: Text(128)] string Reference);

public sealed record RetryNotificationsRequest(
    [property: Text(64)] string ClientId,
    [property: Text(16)] string? Status,
    [property: Text(40, Format = "date-time")] string? Since,
    [property: Text(40, Format = "date-time")] string? Until);

/// <summary>The admin document's operations, with examples taken from the gateway's answers.</summary>
public static class AdminDocs
{
    private const string Merchants = "/admin/v1/merchants";

    public static readonly IReadOnlyDictionary<(Type, string), string[]> Enums = new Dictionary<(Type, string), string[]>
    {
        [(typeof(PaymentCodeListItem), "status")] = CodeStatus.All,
        [(typeof(PaymentCodeListItem), "kind")] = ["DGPC", "MGPC", "DIPC"],
        [(typeof(NotificationView), "status")] = ["PENDING", "DELIVERED", "FAILED"],
        [(typeof(NotificationView), "event")] = ["SUCCESS", "FAILED"],
        [(typeof(SettlementBatchView), "status")] = ["CLOSED", "PAID"],
    };

    private static Dictionary<string, JsonNode> One(string name, string json) => new() { [name] = OperationDoc.Json(json) };

    private const string MerchantAnswer = """
        {"client_id":"MCH-0001-10791114622547","name":"Toko Maju","secret_key":"SK-4b1f0c2e9d8a7b6c5d4e3f2a1b0c9d8e","code_prefix":"8896",
         "notification_url":"https://shop.example.com/payments/notifications","created_at":"2026-11-30T03:15:00Z","updated_at":"2026-11-30T03:15:00Z",
         "disabled":false,"notification_origins":["https://shop.example.com"],"notification_origins_from_url":true,
         "notification_protocol":"ALFA_O2O","snap_signature_token":"ACCESS_TOKEN"}
        """;

    private const string MerchantRead = """
        {"client_id":"MCH-0001-10791114622547","name":"Toko Maju","code_prefix":"8896",
         "notification_url":"https://shop.example.com/payments/notifications","created_at":"2026-11-30T03:15:00Z","updated_at":"2026-11-30T04:00:00Z",
         "disabled":false,"notification_origins":["https://shop.example.com"],"notification_origins_from_url":true,
         "fee":{"fixed":4000,"percent":"0.50","min":0},"notification_protocol":"ALFA_O2O","snap_signature_token":"ACCESS_TOKEN"}
        """;

    private const string AcquirerAnswer = """
        {"id":"ALFA","name":"Alfa Group","client_id":"ACQ-ALFA-0001","secret_key":"SK-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b","disabled":false}
        """;

    private const string Settlement = """
        {"id":"STL-20261130-MCH-0001","client_id":"MCH-0001-10791114622547","date":"2026-11-30","status":"CLOSED","total":145250,
         "closed_at":"2026-11-30T17:00:05Z"}
        """;

    private const string Payment = """
        {"payment_id":"PAY-JW45R2B55EBQEGAPZHVF","client_id":"MCH-0001-10791114622547","acquirer":"ALFA","payment_code":"8896512345678123",
         "invoice_number":"INV-SPLIT-0001","trx_id":"1246","status":"SUCCESS","paid_at":"2026-11-30T03:06:28Z",
         "gross":150000,"fee":4750,"acquirer_cost":1500,"net":145250,
         "splits":[{"payee":"SBA-0002-456","payee_type":"SETTLEMENT_ACCOUNT","type":"FIX","amount":50000},
           {"payee":"SBA-0001-123123123","payee_type":"SETTLEMENT_ACCOUNT","type":"PERCENTAGE","amount":14525},
           {"payee":"SAC-0001-1234","payee_type":"SUB_ACCOUNT","type":"REMAINDER","amount":80725}],
         "journal":[{"id":41,"kind":"PAYMENT","business_date":"2026-11-30","created_at":"2026-11-30T03:06:28Z","gross":150000,"fee":4750,
           "acquirer_cost":1500,"net":145250,"postings":[
           {"account":"acquirer:ALFA:receivable","role":"ACQUIRER_RECEIVABLE","amount":148500},
           {"account":"acquirer:ALFA:cost","role":"ACQUIRER_COST","amount":1500},
           {"account":"operator:fee_revenue","role":"FEE_REVENUE","amount":-4750},
           {"account":"merchant:MCH-0001-10791114622547:settlement:SBA-0002-456","role":"PAYABLE","amount":-50000},
           {"account":"merchant:MCH-0001-10791114622547:settlement:SBA-0001-123123123","role":"PAYABLE","amount":-14525},
           {"account":"merchant:MCH-0001-10791114622547:sub:SAC-0001-1234","role":"PAYABLE","amount":-80725}]}]}
        """;

    private const string ReportRow = """
        {"kind":"PAYMENT","payment_id":"PAY-JW45R2B55EBQEGAPZHVF","trx_id":"1246","payment_code":"8896512345678123","invoice_number":"INV-SPLIT-0001",
         "business_date":"2026-11-30","created_at":"2026-11-30T03:06:28Z","gross":150000,"fee":4750,"acquirer_cost":1500,"net":145250,
         "splits":[{"payee":"SBA-0002-456","payee_type":"SETTLEMENT_ACCOUNT","type":"FIX","amount":50000},
           {"payee":"SBA-0001-123123123","payee_type":"SETTLEMENT_ACCOUNT","type":"PERCENTAGE","amount":14525},
           {"payee":"SAC-0001-1234","payee_type":"SUB_ACCOUNT","type":"REMAINDER","amount":80725}]}
        """;

    private const string Batch = """
        {"id":"STL-20261130-MCH-0001","client_id":"MCH-0001-10791114622547","date":"2026-11-30","status":"CLOSED","total":145250,
         "closed_at":"2026-11-30T17:00:05Z","lines":[
         {"line":1,"payee_type":"SETTLEMENT_ACCOUNT","payee":"SBA-0001-123123123","account":"merchant:MCH-0001-10791114622547:settlement:SBA-0001-123123123",
          "amount":14525,"carried_forward":false,"bank_code":"014","account_number":"1231231230","account_name":"PT Toko Maju"},
         {"line":2,"payee_type":"SETTLEMENT_ACCOUNT","payee":"SBA-0002-456","account":"merchant:MCH-0001-10791114622547:settlement:SBA-0002-456",
          "amount":50000,"carried_forward":false,"bank_code":"008","account_number":"4560000001","account_name":"CV Pemasok Jaya"},
         {"line":3,"payee_type":"SUB_ACCOUNT","payee":"SAC-0001-1234","account":"merchant:MCH-0001-10791114622547:sub:SAC-0001-1234",
          "amount":80725,"carried_forward":false}]}
        """;

    private const string PayoutCsv = """
        bank_code,account_number,account_name,amount,reference,payee_type,payee
        014,1231231230,PT Toko Maju,14525,STL-20261130-MCH-0001-1,SETTLEMENT_ACCOUNT,SBA-0001-123123123
        008,4560000001,CV Pemasok Jaya,50000,STL-20261130-MCH-0001-2,SETTLEMENT_ACCOUNT,SBA-0002-456
        ,,,80725,STL-20261130-MCH-0001-3,SUB_ACCOUNT,SAC-0001-1234

        """;

    private const string Reconciliation = """
        {"id":"REC-ALFA-20261130-01","acquirer":"ALFA","date":"2026-11-30","created_at":"2026-12-01T01:00:00Z",
         "counts":{"MATCHED":1,"UNKNOWN_TO_TUNAI":1},
         "rows":[{"line":3,"class":"UNKNOWN_TO_TUNAI","trx_id":"1250","payment_code":"8896512345678777","file_amount":75000,"file_status":"SUCCESS",
           "detail":"the store took this payment but Tunai has no record of it"}]}
        """;

    private const string Notification = """
        {"notification_id":"NTF-5V8K2Q7M3X9RB4HD","client_id":"MCH-0001-10791114622547","payment_id":"PAY-JW45R2B55EBQEGAPZHVF","event":"SUCCESS",
         "request_id":"0f6c1c9e-3b1a-4f5e-9a56-2d7f1b8e4c10","status":"DELIVERED","attempts":1,"max_attempts":4,"last_status":200,
         "created_at":"2026-11-30T03:06:28Z","delivered_at":"2026-11-30T03:06:29Z"}
        """;

    private const string NotificationWithAttempts = """
        {"notification_id":"NTF-5V8K2Q7M3X9RB4HD","client_id":"MCH-0001-10791114622547","payment_id":"PAY-JW45R2B55EBQEGAPZHVF","event":"SUCCESS",
         "request_id":"0f6c1c9e-3b1a-4f5e-9a56-2d7f1b8e4c10","status":"DELIVERED","attempts":1,"max_attempts":4,"last_status":200,
         "created_at":"2026-11-30T03:06:28Z","delivered_at":"2026-11-30T03:06:29Z",
         "body":{"service":{"id":"ONLINE_TO_OFFLINE"},"acquirer":{"id":"ALFA"},"channel":{"id":"ONLINE_TO_OFFLINE_ALFA"},
           "order":{"invoice_number":"INV-SPLIT-0001","amount":150000},"online_to_offline_info":{"payment_code":"8896512345678123"},
           "online_to_offline_payment":{"identifier":[{"name":"AGENT_ID","value":"ALFAMART"},{"name":"AGENT_STORE_ID","value":"TZ01"},{"name":"AGENT_TRX_ID","value":"1246"}]},
           "transaction":{"status":"SUCCESS","date":"2026-11-30T03:06:28Z","original_request_id":"d24a5644-6078-4249-8740-4a6dcd92df5a"},"additional_info":{}},
         "attempt_log":[{"attempt":1,"attempted_at":"2026-11-30T03:06:28Z","url":"https://shop.example.com/payments/notifications","status_code":200,
           "latency_ms":184,"response_excerpt":""}]}
        """;

    public static readonly IReadOnlyList<OperationDoc> Operations =
    [
        new("POST", Merchants)
        {
            Request = typeof(NewMerchantRequest),
            RequestExamples = One("merchant", """{"name":"Toko Maju","notification_url":"https://shop.example.com/payments/notifications"}"""),
            Answers = [new(201, typeof(MerchantView), "The merchant, with its secret key (shown this once)") { Examples = One("created", MerchantAnswer) }],
            Errors = ["client_id_taken", "code_prefix_overlaps", "code_prefix_exhausted"],
        },
        new("GET", Merchants + "/{clientId}")
        {
            Answers = [new(200, typeof(MerchantView), "The merchant (never its secret key)") { Examples = One("merchant", MerchantRead) }],
            Errors = ["merchant_not_found"],
        },
        new("PATCH", Merchants + "/{clientId}")
        {
            Request = typeof(MerchantPatchRequest),
            Description = "Changes only the fields sent. notification_origins: the origins (scheme://host or scheme://host:port, at most " +
                "20) under which a code's additional_info.override_notification_url may name any path and query; null (the default) " +
                "is the origin of notification_url, [] allows none. A sandbox also accepts any public origin. Changes are audited.",
            RequestExamples = new Dictionary<string, JsonNode>
            {
                ["fee"] = OperationDoc.Json("""{"fee":{"fixed":4000,"percent":"0.50"}}"""),
                ["notification origins"] = OperationDoc.Json("""{"notification_origins":["https://shop.example.com","https://hooks.example.net:8443"]}"""),
                ["snap"] = OperationDoc.Json("""
                    {"notification_protocol":"SNAP","snap_token_url":"https://shop.example.com/snap/v1.0/access-token/b2b",
                     "snap_notification_url":"https://shop.example.com/snap/v1.0/transfer-va/payment",
                     "snap_inquiry_url":"https://shop.example.com/snap/v1.0/transfer-va/inquiry"}
                    """),
            },
            Answers = [new(200, typeof(MerchantView), "The merchant as it is now (with the secret key only when it changed)") { Examples = One("fee", MerchantRead) }],
            Errors = ["merchant_not_found"],
        },
        new("POST", Merchants + "/{clientId}/secret-keys")
        {
            Request = typeof(RotateKeyRequest),
            RequestExamples = One("one hour", """{"old_key_expires_in":3600}"""),
            Answers = [new(201, typeof(MerchantView), "The merchant with its new secret key; the old one verifies until previous_key_expires_at") { Examples = One("rotated", """
                {"client_id":"MCH-0001-10791114622547","name":"Toko Maju","secret_key":"SK-0a1b2c3d4e5f60718293a4b5c6d7e8f9","code_prefix":"8896",
                 "created_at":"2026-11-30T03:15:00Z","updated_at":"2026-11-30T05:00:00Z","previous_key_expires_at":"2026-11-30T06:00:00Z",
                 "outbound_signing_key":"previous","disabled":false,"notification_origins":[],"notification_origins_from_url":true,
                 "notification_protocol":"ALFA_O2O","snap_signature_token":"ACCESS_TOKEN"}
                """) }],
            Errors = ["merchant_not_found"],
        },
        new("POST", Merchants + "/{clientId}/secret-keys/sign-with-new")
        {
            Answers = [new(200, typeof(MerchantView), "The merchant; what the gateway sends it is signed with the new key from now on") { Examples = One("switched", """
                {"client_id":"MCH-0001-10791114622547","name":"Toko Maju","code_prefix":"8896","created_at":"2026-11-30T03:15:00Z",
                 "updated_at":"2026-11-30T05:10:00Z","previous_key_expires_at":"2026-11-30T06:00:00Z","outbound_signing_key":"new","disabled":false,
                 "notification_origins":[],"notification_origins_from_url":true,"notification_protocol":"ALFA_O2O","snap_signature_token":"ACCESS_TOKEN"}
                """) }],
            Errors = ["merchant_not_found"],
        },
        new("POST", Merchants + "/{clientId}/settlement-accounts")
        {
            Request = typeof(NewSettlementAccountRequest),
            RequestExamples = One("account", """{"id":"SBA-0001-123123123","bank_code":"014","account_number":"1231231230","account_name":"PT Toko Maju"}"""),
            Answers = [new(201, typeof(SettlementAccountView), "The account") { Examples = One("account", """
                {"id":"SBA-0001-123123123","bank_code":"014","account_number":"1231231230","account_name":"PT Toko Maju","active":true,"created_at":"2026-11-30T03:20:00Z"}
                """) }],
            Errors = ["merchant_not_found", "account_exists"],
        },
        new("GET", Merchants + "/{clientId}/settlement-accounts")
        {
            Answers = [new(200, typeof(SettlementAccountList), "The merchant's settlement accounts") { Examples = One("accounts", """
                {"items":[{"id":"SBA-0001-123123123","bank_code":"014","account_number":"1231231230","account_name":"PT Toko Maju","active":true,"created_at":"2026-11-30T03:20:00Z"}]}
                """) }],
            Errors = ["merchant_not_found"],
        },
        new("POST", Merchants + "/{clientId}/settlement-accounts/{accountId}/deactivate")
        {
            Answers = [new(200, typeof(SettlementAccountView), "The account, inactive: new splits cannot name it") { Examples = One("deactivated", """
                {"id":"SBA-0001-123123123","bank_code":"014","account_number":"1231231230","account_name":"PT Toko Maju","active":false,
                 "created_at":"2026-11-30T03:20:00Z","deactivated_at":"2026-11-30T08:00:00Z"}
                """) }],
            Errors = ["merchant_not_found", "account_not_found"],
        },
        new("POST", Merchants + "/{clientId}/sub-accounts")
        {
            Request = typeof(NewSubAccountRequest),
            RequestExamples = One("outlet", """{"id":"SAC-0001-1234","name":"Outlet Kemang"}"""),
            Answers = [new(201, typeof(SubAccountView), "The sub-account") { Examples = One("outlet", """
                {"id":"SAC-0001-1234","name":"Outlet Kemang","active":true,"created_at":"2026-11-30T03:21:00Z"}
                """) }],
            Errors = ["merchant_not_found", "account_exists"],
        },
        new("GET", Merchants + "/{clientId}/sub-accounts")
        {
            Answers = [new(200, typeof(SubAccountList), "The merchant's sub-accounts") { Examples = One("outlets", """
                {"items":[{"id":"SAC-0001-1234","name":"Outlet Kemang","active":true,"created_at":"2026-11-30T03:21:00Z"}]}
                """) }],
            Errors = ["merchant_not_found"],
        },
        new("POST", Merchants + "/{clientId}/sub-accounts/{accountId}/deactivate")
        {
            Answers = [new(200, typeof(SubAccountView), "The sub-account, inactive") { Examples = One("deactivated", """
                {"id":"SAC-0001-1234","name":"Outlet Kemang","active":false,"created_at":"2026-11-30T03:21:00Z","deactivated_at":"2026-11-30T08:00:00Z"}
                """) }],
            Errors = ["merchant_not_found", "account_not_found"],
        },
        new("POST", "/admin/v1/acquirers")
        {
            Request = typeof(NewAcquirerRequest),
            RequestExamples = One("alfa", """{"id":"ALFA","name":"Alfa Group"}"""),
            Answers = [new(201, typeof(AcquirerView), "The acquirer connection with its credentials (the secret key shown this once)") { Examples = One("alfa", AcquirerAnswer) }],
            Errors = ["acquirer_exists"],
        },
        new("POST", "/admin/v1/acquirers/{id}/secret-keys")
        {
            Request = typeof(RotateKeyRequest),
            RequestExamples = One("one day", """{"old_key_expires_in":86400}"""),
            Answers = [new(201, typeof(AcquirerView), "The connection with its new secret key") { Examples = One("rotated", """
                {"id":"ALFA","name":"Alfa Group","client_id":"ACQ-ALFA-0001","secret_key":"SK-5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f","previous_key_expires_at":"2026-12-01T05:00:00Z","disabled":false}
                """) }],
            Errors = ["acquirer_not_found"],
        },
        new("PATCH", "/admin/v1/acquirers/{id}")
        {
            Request = typeof(AcquirerPatchRequest),
            RequestExamples = new Dictionary<string, JsonNode> { ["cost"] = OperationDoc.Json("""{"cost":{"fixed":1500}}"""), ["disable"] = OperationDoc.Json("""{"disabled":true}""") },
            Answers =
            [
                new(200, typeof(AcquirerCostView), "With cost: the cost from now on") { Examples = One("cost", """{"id":"ALFA","cost":{"fixed":1500,"percent":"0","min":0}}""") },
                new(200, typeof(AcquirerView), "With disabled: the connection") { Examples = One("disabled", """{"id":"ALFA","name":"Alfa Group","client_id":"ACQ-ALFA-0001","disabled":true}""") },
            ],
            Errors = ["acquirer_not_found"],
        },
        new("GET", "/admin/v1/payment-codes")
        {
            Answers = [new(200, typeof(PaymentCodeList), "A page of codes, newest first; next_cursor fetches the next") { Examples = One("page", """
                {"data":[{"client_id":"MCH-0001-10791114622547","payment_code":"8896512345678123","kind":"DGPC","invoice_number":"INV-20210125-0001",
                  "amount":150000,"status":"PAID","reusable_status":false,"customer_name":"Anton Budiman","info":"Merchant Demo Store",
                  "request_id":"d24a5644-6078-4249-8740-4a6dcd92df5a","created_date_utc":"2021-08-12T06:55:00Z","expired_date_utc":"2021-08-12T07:55:00Z",
                  "paid_date_utc":"2021-08-12T07:06:28Z"}]}
                """) }],
            Errors = ["invalid_field", "merchant_not_found"],
        },
        new("POST", "/admin/v1/snap/gateway-keys")
        {
            Summary = "Rotate Tunai's SNAP key pair: a new pair signs Tunai's token requests to merchants from now on",
            Answers = [new(200, typeof(Snap.SnapGatewayKeyView), "The new public key (also at GET /snap/public-key)")
            {
                Examples = One("rotated", """{"public_key":"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...\n-----END PUBLIC KEY-----"}"""),
            }],
        },
        new("GET", "/admin/v1/notifications")
        {
            Answers = [new(200, typeof(NotificationList), "A page of notifications, newest first") { Examples = One("page", $$"""{"data":[{{Notification}}],"next_cursor":"MTcwMTMxMzU4ODAwMA"}""") }],
            Errors = ["invalid_field"],
        },
        new("GET", "/admin/v1/notifications/{id}")
        {
            Answers = [new(200, typeof(NotificationView), "The notification, its body in the form the merchant is sent it now (SNAP to a merchant speaking SNAP, not the stored Alfa O2O form) and its delivery attempts") { Examples = One("delivered", NotificationWithAttempts) }],
            Errors = ["notification_not_found"],
        },
        new("POST", "/admin/v1/notifications/{id}/retry")
        {
            Answers = [new(202, typeof(RetryResult), "Queued for delivery now") { Examples = One("queued", """{"queued":1}""") }],
            Errors = ["notification_not_found", "delivery_in_progress"],
        },
        new("POST", "/admin/v1/notifications/retry")
        {
            Request = typeof(RetryNotificationsRequest),
            RequestExamples = One("failed today", """{"client_id":"MCH-0001-10791114622547","status":"FAILED","since":"2026-11-30T00:00:00Z"}"""),
            Answers = [new(202, typeof(RetryResult), "How many were queued") { Examples = One("queued", """{"queued":3}""") }],
            Errors = ["merchant_not_found"],
        },
        new("GET", "/admin/v1/payments/{paymentId}")
        {
            Answers = [new(200, typeof(PaymentView), "The payment and its journal (fee, store network's cost, splits, postings)") { Examples = One("split", Payment) }],
            Errors = ["payment_not_found"],
        },
        new("POST", "/admin/v1/settlements/close")
        {
            Request = typeof(CloseDayRequest),
            RequestExamples = One("day", """{"date":"2026-11-30","client_id":"MCH-0001-10791114622547"}"""),
            Answers = [new(200, typeof(SettlementBatchList), "The batches closed (a day closes once; closing again gives the same batches)") { Examples = One("closed", $$"""{"items":[{{Settlement}}]}""") }],
            Errors = ["merchant_not_found"],
        },
        new("GET", "/admin/v1/settlements")
        {
            Answers = [new(200, typeof(SettlementBatchList), "Batches, by merchant and day when asked") { Examples = One("batches", $$"""{"items":[{{Settlement}}]}""") }],
        },
        new("GET", "/admin/v1/settlements/{id}")
        {
            Answers = [new(200, typeof(SettlementBatchView), "The batch with its payout lines") { Examples = One("batch", Batch) }],
            Errors = ["settlement_not_found"],
        },
        new("GET", "/admin/v1/settlements/{id}/payout.csv")
        {
            Answers = [new(200, typeof(string), "The payout file, one line per transfer") { ContentType = "text/csv", Examples = new Dictionary<string, JsonNode> { ["payout"] = JsonValue.Create(PayoutCsv) } }],
            Errors = ["settlement_not_found"],
        },
        new("POST", "/admin/v1/settlements/{id}/paid")
        {
            Request = typeof(BatchPaidRequest),
            RequestExamples = One("paid", """{"reference":"BCA-TRF-20261201-0001"}"""),
            Answers = [new(200, typeof(SettlementBatchView), "The batch, paid") { Examples = One("paid", """
                {"id":"STL-20261130-MCH-0001","client_id":"MCH-0001-10791114622547","date":"2026-11-30","status":"PAID","total":145250,
                 "closed_at":"2026-11-30T17:00:05Z","paid_at":"2026-12-01T02:30:00Z","reference":"BCA-TRF-20261201-0001"}
                """) }],
            Errors = ["settlement_not_found", "batch_already_paid"],
        },
        new("GET", "/admin/v1/reports/transactions")
        {
            Answers =
            [
                new(200, typeof(TransactionReport), "A merchant's transactions between two business days") { Examples = One("day", $$"""
                    {"client_id":"MCH-0001-10791114622547","from":"2026-11-30","to":"2026-11-30","transactions":[{{ReportRow}}]}
                    """) },
                new(200, typeof(string), "The same as CSV (format=csv)") { ContentType = "text/csv" },
            ],
            Errors = ["invalid_field"],
        },
        new("POST", "/admin/v1/acquirers/{id}/reconciliations")
        {
            Request = typeof(string),
            RequestContentType = "text/csv",
            RequestExamples = new Dictionary<string, JsonNode> { ["file"] = JsonValue.Create("""
                trx_id,payment_code,amount,paid_at,store_id,terminal_id,status
                1246,8896512345678123,150000,2026-11-30T03:06:28Z,TZ01,POS-02,SUCCESS
                1250,8896512345678777,75000,2026-11-30T04:10:00Z,TZ01,POS-01,SUCCESS

                """) },
            Answers = [new(200, typeof(ReconciliationView), "The file matched against Tunai's payments, row by row (query: date, the file's business day)") { Examples = One("one unknown", Reconciliation) }],
            Errors = ["acquirer_not_found", "invalid_field", "unsupported_media_type", "payload_too_large", "import_in_progress"],
        },
        new("GET", "/admin/v1/acquirers/{id}/reconciliations")
        {
            Answers = [new(200, typeof(ReconciliationList), "The acquirer's reconciliations, newest first") { Examples = One("list", $$"""{"items":[{{Reconciliation}}]}""") }],
        },
        new("GET", "/admin/v1/reconciliations/{reconciliationId}")
        {
            Answers = [new(200, typeof(ReconciliationView), "The reconciliation and its rows that did not match") { Examples = One("one unknown", Reconciliation) }],
            Errors = ["reconciliation_not_found"],
        },
        new("POST", "/admin/v1/reconciliations/{reconciliationId}/rows/{line}/resolve")
        {
            Answers = [new(200, typeof(ReconciliationRowView), "The row, recorded as a payment") { Examples = One("recorded", """
                {"line":3,"class":"UNKNOWN_TO_TUNAI","trx_id":"1250","payment_code":"8896512345678777","file_amount":75000,"file_status":"SUCCESS",
                 "tunai_amount":75000,"tunai_status":"SUCCESS","payment_id":"PAY-7QK2M9D4TX3HB8RZNC5W","detail":"the store took this payment but Tunai has no record of it",
                 "resolved_payment_id":"PAY-7QK2M9D4TX3HB8RZNC5W"}
                """) }],
            Errors = ["reconciliation_not_found", "row_not_found", "row_not_resolvable", "row_already_resolved", "payment_exists",
                "payment_code_not_found", "amount_mismatch", "payment_code_cancelled:409", "payment_code_paid:409"],
        },
        new("GET", "/admin/v1/sandbox/clock")
        {
            Answers = [new(200, typeof(Clock.SandboxClockView), "The test clock (sandbox only)") { Examples = One("moved", SandboxClock) }],
            Errors = ["not_sandbox"],
        },
        new("PUT", "/admin/v1/sandbox/clock")
        {
            Request = typeof(MoveClockRequest),
            RequestExamples = One("to a moment", """{"moment":"2026-12-01T03:00:00Z"}"""),
            Answers = [new(200, typeof(Clock.SandboxClockView), "The test clock, moved: forward only, at most 5 years ahead, never before the newest stored event") { Examples = One("moved", SandboxClock) }],
            Errors = ["not_sandbox"],
        },
        new("DELETE", "/admin/v1/sandbox/clock")
        {
            Answers = [new(200, typeof(Clock.SandboxClockView), "The test clock, back to the real time (always allowed)") { Examples = One("reset", """
                {"real_time":"2026-11-30T03:00:00Z","sandbox_time":"2026-11-30T03:00:00Z","offset_ms":0}
                """) }],
            Errors = ["not_sandbox"],
        },
    ];

    private const string SandboxClock = """
        {"real_time":"2026-11-30T03:00:00Z","sandbox_time":"2026-12-01T03:00:00Z","offset_ms":86400000}
        """;
}
