using System.Text.Json.Nodes;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Money;
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
    FeeRequest? Fee);

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
         "disabled":false}
        """;

    private const string MerchantRead = """
        {"client_id":"MCH-0001-10791114622547","name":"Toko Maju","code_prefix":"8896",
         "notification_url":"https://shop.example.com/payments/notifications","created_at":"2026-11-30T03:15:00Z","updated_at":"2026-11-30T04:00:00Z",
         "disabled":false,"fee":{"fixed":4000,"percent":"0.50","min":0}}
        """;

    private const string AcquirerAnswer = """
        {"id":"ALFA","name":"Alfa Group","client_id":"ACQ-ALFA-0001","secret_key":"SK-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b","disabled":false}
        """;

    private const string Settlement = """
        {"id":"STL-20261130-MCH-0001","client_id":"MCH-0001-10791114622547","date":"2026-11-30","status":"CLOSED","total":145250,
         "closed_at":"2026-11-30T17:00:05Z"}
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
            RequestExamples = One("fee", """{"fee":{"fixed":4000,"percent":"0.50"}}"""),
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
                 "outbound_signing_key":"previous","disabled":false}
                """) }],
            Errors = ["merchant_not_found"],
        },
        new("POST", Merchants + "/{clientId}/secret-keys/sign-with-new")
        {
            Answers = [new(200, typeof(MerchantView), "The merchant; what the gateway sends it is signed with the new key from now on") { Examples = One("switched", """
                {"client_id":"MCH-0001-10791114622547","name":"Toko Maju","code_prefix":"8896","created_at":"2026-11-30T03:15:00Z",
                 "updated_at":"2026-11-30T05:10:00Z","previous_key_expires_at":"2026-11-30T06:00:00Z","outbound_signing_key":"new","disabled":false}
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
        new("GET", "/admin/v1/notifications")
        {
            Answers = [new(200, typeof(NotificationList), "A page of notifications, newest first")],
            Errors = ["invalid_field"],
        },
        new("GET", "/admin/v1/notifications/{id}")
        {
            Answers = [new(200, typeof(NotificationView), "The notification, its body and its delivery attempts")],
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
            Answers = [new(200, typeof(PaymentView), "The payment and its journal (fee, store network's cost, splits, postings)")],
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
            Answers = [new(200, typeof(SettlementBatchView), "The batch with its payout lines")],
            Errors = ["settlement_not_found"],
        },
        new("GET", "/admin/v1/settlements/{id}/payout.csv")
        {
            Answers = [new(200, typeof(string), "The payout file, one line per transfer") { ContentType = "text/csv" }],
            Errors = ["settlement_not_found"],
        },
        new("POST", "/admin/v1/settlements/{id}/paid")
        {
            Request = typeof(BatchPaidRequest),
            RequestExamples = One("paid", """{"reference":"BCA-TRF-20261201-0001"}"""),
            Answers = [new(200, typeof(SettlementBatchView), "The batch, paid")],
            Errors = ["settlement_not_found", "batch_already_paid"],
        },
        new("GET", "/admin/v1/reports/transactions")
        {
            Answers =
            [
                new(200, typeof(TransactionReport), "A merchant's transactions between two business days"),
                new(200, typeof(string), "The same as CSV (format=csv)") { ContentType = "text/csv" },
            ],
            Errors = ["invalid_field"],
        },
        new("POST", "/admin/v1/acquirers/{id}/reconciliations")
        {
            Request = typeof(string),
            RequestContentType = "text/csv",
            Answers = [new(200, typeof(ReconciliationView), "The file matched against Tunai's payments, row by row")],
            Errors = ["acquirer_not_found", "invalid_field", "unsupported_media_type", "payload_too_large"],
        },
        new("GET", "/admin/v1/acquirers/{id}/reconciliations")
        {
            Answers = [new(200, typeof(ReconciliationList), "The acquirer's reconciliations, newest first")],
        },
        new("GET", "/admin/v1/reconciliations/{reconciliationId}")
        {
            Answers = [new(200, typeof(ReconciliationView), "The reconciliation and its rows that did not match")],
            Errors = ["reconciliation_not_found"],
        },
        new("POST", "/admin/v1/reconciliations/{reconciliationId}/rows/{line}/resolve")
        {
            Answers = [new(200, typeof(ReconciliationRowView), "The row, recorded as a payment")],
            Errors = ["reconciliation_not_found", "row_not_found", "row_not_resolvable", "row_already_resolved", "payment_exists",
                "payment_code_not_found", "amount_mismatch", "payment_code_cancelled:409", "payment_code_paid:409"],
        },
    ];
}
