using System.Text.Json.Nodes;
using Tunai.Gateway.DirectInquiry;
using Tunai.Gateway.HowToPay;
using Tunai.Gateway.Notifications;
using Tunai.Gateway.Settlement;
using Tunai.Gateway.OrderStatus;
using Tunai.Gateway.PaymentCodes;

namespace Tunai.Gateway.OpenApi;

// The merchant API's request bodies as PaymentCodeRequests reads them (nullable = may be left out).

public sealed record CodeOrder([property: Text(64)] string InvoiceNumber, [property: Digits(12, Min = 1)] long Amount);

public sealed record CreateCodeInfo(
    [property: Text(20, Pattern = @"^\s*[0-9]{1,20}\s*$")] string? PaymentCode,
    [property: Digits(5, Min = 1)] long? ExpiredTime,
    [property: Flag] bool ReusableStatus,
    [property: Text(30)] string? Info,
    [property: Text(30)] string? Info1,
    [property: Text(30)] string? Info2,
    [property: Text(30)] string? Info3);

public sealed record CodeCustomer([property: Text(64)] string Name, [property: Text(128)] string? Email);

public sealed record ReceiptRequest([property: Text(128)] string? FooterMessage);

public sealed record AlfaInfoRequest(ReceiptRequest? Receipt);

public sealed record AccountRef([property: Text(64)] string? Id);

public sealed record SettlementSplit(
    [property: Text(64)] string BankAccountSettlementId,
    [property: Decimal("999999999999", 4)] decimal Value,
    [property: Text(16, OneOf = ["PERCENTAGE", "FIX"])] string Type);

/// <summary>additional_info: kept and echoed whole; these members have a meaning to Tunai, others are stored as sent.</summary>
public sealed record CodeAdditionalInfo(
    [property: Text(2048, Format = "uri")] string? OverrideNotificationUrl,
    JsonElement? InsuranceInfo,
    AccountRef? Account,
    IReadOnlyList<SettlementSplit>? Settlement,
    JsonElement? Integration);

/// <summary>Generate (DGPC without payment_code, MGPC with it).</summary>
public sealed record CreateCodeRequest(
    CodeOrder Order,
    CreateCodeInfo OnlineToOfflineInfo,
    CodeCustomer Customer,
    AlfaInfoRequest? AlfaInfo,
    CodeAdditionalInfo? AdditionalInfo);

public sealed record UpdateOrder([property: Text(64)] string? InvoiceNumber, [property: Digits(12, Min = 1)] long? Amount);

public sealed record UpdateCodeInfo(
    [property: Text(20, Pattern = @"^\s*[0-9]{1,20}\s*$")] string PaymentCode,
    [property: Text(10, OneOf = ["ACTIVE", "DELETE"], IgnoreCase = true)] string Status,
    [property: Digits(5, Min = 1)] long? ExpiredTime,
    [property: Flag] bool? ReusableStatus,
    [property: Text(30)] string? Info,
    [property: Text(30)] string? Info1,
    [property: Text(30)] string? Info2,
    [property: Text(30)] string? Info3);

public sealed record UpdateCustomer([property: Text(40)] string? Name, [property: Text(128)] string? Email);

/// <summary>Update (status ACTIVE) or cancel (status DELETE); absent fields keep their values.</summary>
public sealed record UpdateCodeRequest(
    UpdateOrder? Order,
    UpdateCodeInfo OnlineToOfflineInfo,
    UpdateCustomer? Customer,
    AlfaInfoRequest? AlfaInfo,
    CodeAdditionalInfo? AdditionalInfo);

public sealed record BillOrder([property: Text(64)] string InvoiceNumber, [property: Digits(12, Min = 1)] long Amount);

public sealed record BillCodeInfo(
    [property: Text(20)] string PaymentCode,
    [property: Text(30)] string? Info,
    [property: Text(30)] string? Info1,
    [property: Text(30)] string? Info2,
    [property: Text(30)] string? Info3);

public sealed record BillStatus(
    [property: Text(32, OneOf = ["success", "decline", "billing_already_paid", "billing_was_expired", "billing_not_found", "invalid_signature"])] string Status);

/// <summary>
/// A merchant's answer to a direct inquiry, as DirectInquiryClient reads it: order, online_to_offline_info and customer
/// are read (and then mandatory) only with status success, which comes with HTTP 200 and the others with their
/// reference status (400, 404, 401); an answer the gateway cannot use becomes a decline at the till.
/// </summary>
public sealed record DirectInquiryBill(
    BillStatus OnlineToOfflineInquiry,
    BillOrder? Order,
    BillCodeInfo? OnlineToOfflineInfo,
    CodeCustomer? Customer,
    AlfaInfoRequest? AlfaInfo,
    JsonElement? AdditionalInfo);

/// <summary>The merchant document's operations, with the reference's samples.</summary>
public static class MerchantDocs
{
    // The reference's samples, as it prints them but for three things Tunai documents: its how-to-pay URLs carry a
    // token (wire notes, paths), the MGPC request's trailing comma is gone (Tunai accepts it, but an example is a JSON
    // value), and the customers' e-mail addresses, which the reference's page shows as "[email protected]", are real.
    private static readonly JsonNode DgpcRequest = OperationDoc.Json("""
        {"order":{"invoice_number":"INV-20210124-0001","amount":150000},
         "online_to_offline_info":{"expired_time":60,"reusable_status":false,"info":"Merchant Demo Store"},
         "customer":{"name":"Anton Budiman","email":"anton.budiman@example.com"},
         "additional_info":{"override_notification_url":"https://another.example.com/payments/notifications"}}
        """);

    private static readonly JsonNode DgpcResponse = CreateAnswer("6059000000000205", "q3Vb0aYt1R7nM2kXeP9sWg",
        """ "created_date":"20210331115005","expired_date":"20210331125005","created_date_utc":"2021-03-31T04:50:05Z","expired_date_utc":"2021-03-31T05:50:05Z" """,
        """ "additional_info":{"override_notification_url":"https://another.example.com/payments/notifications"} """);

    private static readonly JsonNode MgpcRequest = OperationDoc.Json("""
        {"order":{"invoice_number":"INV-20210124-0001","amount":150000},
         "online_to_offline_info":{"payment_code":"1900600000000046","expired_time":60,"reusable_status":false,"info":"Merchant Demo Store"},
         "customer":{"name":"Anton Budiman","email":"anton.budiman@example.com"}}
        """);

    private static readonly JsonNode MgpcResponse = CreateAnswer("1900600000000046", "Zk4mQ8rT2vLw6yHc0sN5bA",
        """ "created_date":"20200313095850","expired_date":"20200313155850","created_date_utc":"2020-03-31T09:58:50Z","expired_date_utc":"2020-03-31T15:58:50Z" """);

    /// <summary>A create answer's example: the how-to-pay links follow from the code and its token, as the gateway builds them.</summary>
    private static JsonNode CreateAnswer(string code, string token, string dates, string? more = null) => OperationDoc.Json($$"""
        {"order":{"invoice_number":"INV-20210124-0001"},
         "online_to_offline_info":{"payment_code":"{{code}}",
           "how_to_pay_page":"https://pay.example.com/how-to-pay/v2/alfa-online-to-offline/{{code}}/{{token}}",
           "how_to_pay_api":"https://pay.example.com/alfa-online-to-offline/v2/how-to-pay-api/{{code}}/{{token}}",
           {{dates}}}{{(more is null ? "" : "," + more)}}}
        """);

    /// <summary>What real clients send (README, where Tunai is lenient): numbers as strings, info1, a split settlement.</summary>
    private static readonly JsonNode PluginRequest = OperationDoc.Json("""
        {"order":{"invoice_number":"INV-20210124-0002","amount":"150000"},
         "online_to_offline_info":{"expired_time":"60","reusable_status":"false","info1":""},
         "customer":{"name":"Anton Budiman","email":"anton.budiman@example.com"},
         "alfa_info":{"receipt":{"footer_message":"Terima kasih &amp; sampai jumpa"}},
         "additional_info":{"integration":{"name":"php-plugin","module-name":"woocommerce","version":"1.0.0"},
           "settlement":[{"bank_account_settlement_id":"SBA-0001-123123123","value":"10","type":"PERCENTAGE"}]}}
        """);

    private static readonly JsonNode UpdateRequest = OperationDoc.Json("""
        {"order":{"invoice_number":"INV-20210124-0001","amount":150000},
         "online_to_offline_info":{"payment_code":"6059000000000205","status":"ACTIVE","expired_time":60,"reusable_status":false,"info":"Thank you for shopping"},
         "customer":{"name":"Anton Budiman","email":"anton.budiman@example.com"}}
        """);

    /// <summary>Cancel: the reference's update with status DELETE.</summary>
    private static readonly JsonNode CancelRequest = OperationDoc.Json("""
        {"order":{"invoice_number":"INV-20210124-0001"},
         "online_to_offline_info":{"payment_code":"6059000000000205","status":"DELETE"}}
        """);

    private static readonly JsonNode UpdateResponse = OperationDoc.Json("""
        {"order":{"invoice_number":"INV-20210124-0001"},
         "online_to_offline_info":{"payment_code":"6059000000000205","created_date":"20210331115005","expired_date":"20210331125005",
           "created_date_utc":"2021-03-31T04:50:05Z","expired_date_utc":"2021-03-31T05:50:05Z"}}
        """);

    /// <summary>Check status after the notification's sample payment (wire notes, sections 2 and 4).</summary>
    private static readonly JsonNode StatusResponse = OperationDoc.Json("""
        {"order":{"invoice_number":"INV-20210125-0001","amount":150000},
         "transaction":{"status":"SUCCESS","date":"2021-08-12T07:06:28Z","original_request_id":"d24a5644-6078-4249-8740-4a6dcd92df5a"},
         "service":{"id":"ONLINE_TO_OFFLINE"},"acquirer":{"id":"ALFA"},"channel":{"id":"ONLINE_TO_OFFLINE_ALFA"},
         "online_to_offline_info":{"payment_code":"8896512345678123","created_date":"20210812135500","expired_date":"20210812145500",
           "created_date_utc":"2021-08-12T06:55:00Z","expired_date_utc":"2021-08-12T07:55:00Z"},
         "online_to_offline_payment":{"payment_id":"PAY-0000000000000001","identifier":[{"name":"AGENT_ID","value":"ALFAMART"},
           {"name":"AGENT_STORE_ID","value":"TZ01"},{"name":"AGENT_TRX_ID","value":"1246"}]}}
        """);

    /// <summary>The HTTP notification of the wire notes (section 4), as the gateway sends it.</summary>
    private static readonly JsonNode Notification = OperationDoc.Json("""
        {"service":{"id":"ONLINE_TO_OFFLINE"},"acquirer":{"id":"ALFA"},"channel":{"id":"ONLINE_TO_OFFLINE_ALFA"},
         "order":{"invoice_number":"INV-20210125-0001","amount":150000},"online_to_offline_info":{"payment_code":"8896512345678123"},
         "online_to_offline_payment":{"identifier":[{"name":"AGENT_ID","value":"ALFAMART"},{"name":"AGENT_STORE_ID","value":"TZ01"},
           {"name":"AGENT_TRX_ID","value":"1246"}]},
         "transaction":{"status":"SUCCESS","date":"2021-08-12T07:06:28Z","original_request_id":"d24a5644-6078-4249-8740-4a6dcd92df5a"},
         "additional_info":{}}
        """);

    /// <summary>The reference's direct inquiry request (its identifier list is empty there too).</summary>
    private static readonly JsonNode Inquiry = OperationDoc.Json("""
        {"service":{"id":"ONLINE_TO_OFFLINE"},"acquirer":{"id":"ALFA"},"channel":{"id":"ONLINE_TO_OFFLINE_ALFA"},
         "online_to_offline_info":{"payment_code":"8896512345678123"},
         "online_to_offline_inquiry":{"date":"2020-08-11T08:45:42Z","identifier":[]}}
        """);

    /// <summary>The reference's answer, with the comma it misses before additional_info and a real e-mail address.</summary>
    private static readonly JsonNode Bill = OperationDoc.Json("""
        {"order":{"invoice_number":"MINV20201231468","amount":150000},
         "online_to_offline_info":{"payment_code":"8896512345678123","info1":"Thanks for shooping"},
         "online_to_offline_inquiry":{"status":"success"},
         "customer":{"name":"Taufik Ismail","email":"taufik.ismail@example.com"},
         "additional_info":{}}
        """);

    /// <summary>What the gateway calls on a merchant: the notification of a payment or reversal, and the direct inquiry.</summary>
    public static readonly IReadOnlyList<OperationDoc> Webhooks =
    [
        new("POST", "payment-notification")
        {
            Webhook = true,
            Summary = "Posted to the merchant's notification URL after a payment (SUCCESS) or a reversal (FAILED), signed with the merchant's key",
            Request = typeof(PaymentNotification),
            RequestExamples = new Dictionary<string, JsonNode> { ["paid"] = Notification },
        },
        new("POST", "direct-inquiry")
        {
            Webhook = true,
            Summary = "Posted to the merchant's Inquiry URL when a store asks for a code the gateway does not know, signed with the merchant's key",
            Request = typeof(DirectInquiryRequest),
            RequestExamples = new Dictionary<string, JsonNode> { ["inquiry"] = Inquiry },
            Answers =
            [
                new(200, typeof(DirectInquiryBill), "success: the bill, signed by the merchant") { Examples = new Dictionary<string, JsonNode> { ["bill"] = Bill } },
                new(400, typeof(DirectInquiryBill), "decline, billing_already_paid or billing_was_expired"),
                new(404, typeof(DirectInquiryBill), "billing_not_found"),
            ],
        },
    ];

    public static readonly IReadOnlyDictionary<(Type, string), string[]> Enums = new Dictionary<(Type, string), string[]>
    {
        [(typeof(StatusTransaction), "status")] = [TransactionStatus.Pending, TransactionStatus.Success, TransactionStatus.Failed, TransactionStatus.Expired],
        [(typeof(NotificationTransaction), "status")] = ["SUCCESS", "FAILED"],
    };

    private static readonly string[] Create = ["invoice_number_in_use", "payment_code_in_use", .. ErrorCodes.Idempotent];

    public static readonly IReadOnlyList<OperationDoc> Operations =
    [
        .. new[] { "/alfa-virtual-account/v2/payment-code", "/alfa-online-to-offline/v2/payment-code" }.Select(path => new OperationDoc("POST", path)
        {
            Description = "A code Tunai draws (DGPC, no payment_code) or the merchant's own (MGPC). additional_info.override_notification_url " +
                "sends this code's notifications elsewhere: any path and query under one of the merchant's notification origins (by default " +
                "the origin of its notification URL; the admin API's notification_origins changes them); a sandbox accepts any public " +
                "origin. A merchant's own code is registered again, with a new invoice, once its previous registration is over (paid and " +
                "not reusable, cancelled or expired); while it is live, payment_code_in_use.",
            Request = typeof(CreateCodeRequest),
            RequestExamples = new Dictionary<string, JsonNode> { ["dgpc"] = DgpcRequest, ["mgpc"] = MgpcRequest, ["plugin"] = PluginRequest },
            Answers =
            [
                new(200, typeof(CreateResponse), "The code") { Examples = new Dictionary<string, JsonNode> { ["dgpc"] = DgpcResponse, ["mgpc"] = MgpcResponse } },
                new(409, typeof(CreateResponse), "The same Request-Id and body again: the first answer, replayed (header Tunai-Replayed)"),
            ],
            Errors = Create,
        }),
        new("PATCH", "/alfa-online-to-offline/v2/payment-code")
        {
            Request = typeof(UpdateCodeRequest),
            RequestExamples = new Dictionary<string, JsonNode> { ["update"] = UpdateRequest, ["cancel"] = CancelRequest },
            Answers =
            [
                new(200, typeof(PaymentCodes.UpdateResponse), "The code as it is now") { Examples = new Dictionary<string, JsonNode> { ["update"] = UpdateResponse } },
                new(409, typeof(PaymentCodes.UpdateResponse), "The same Request-Id and body again: the first answer, replayed (header Tunai-Replayed)"),
            ],
            Errors = ["payment_code_not_found", "payment_code_expired", "payment_code_paid:400", "payment_code_cancelled:400", "invoice_number_in_use",
                .. ErrorCodes.Idempotent],
        },
        new("GET", "/orders/v1/status/{invoice_number}")
        {
            Answers = [new(200, typeof(OrderStatusResponse), "The order's status") { Examples = new Dictionary<string, JsonNode> { ["paid"] = StatusResponse } }],
            Errors = ["order_not_found"],
        },
        new("GET", "/alfa-online-to-offline/v2/how-to-pay-api/{code}/{token}")
        {
            Signed = false,
            Answers = [new(200, typeof(HowToPayApiResponse), "The code and the steps to pay it, to show in the merchant's own page") { Examples = new Dictionary<string, JsonNode> { ["active"] = OperationDoc.Json("""
                {"order":{"invoice_number":"INV-20210124-0001","amount":150000},
                 "online_to_offline_info":{"payment_code":"6059000000000205","merchant_name":"Merchant Demo Store","created_date":"20210331115005",
                   "expired_date":"20210331125005","created_date_utc":"2021-03-31T04:50:05Z","expired_date_utc":"2021-03-31T05:50:05Z"},
                 "status":"ACTIVE",
                 "payment_instruction":[{"channel":"ALFA","language":"en","step":[
                   "Go to the cashier of any Alfamart, Alfaexpress, Alfamidi, Lawson or Dan+Dan store.",
                   "Tell the cashier you want to pay for an online order from Merchant Demo Store.",
                   "Tell the cashier the payment code 6059000000000205.",
                   "Check that the merchant name (Merchant Demo Store) and the amount (Rp150.000) shown by the cashier are correct.",
                   "Pay exactly Rp150.000 in cash.","Keep the receipt from the cashier as proof of payment."]}]}
                """) } }],
            Errors = ["payment_code_not_found", "too_many_authentication_failures"],
        },
        new("GET", "/settlements/v1/reports/{date}")
        {
            Answers = [new(200, typeof(MerchantSettlementReport), "The merchant's transactions of a business day (WIB) and its settlement batch, once closed") { Examples = new Dictionary<string, JsonNode> { ["open day"] = OperationDoc.Json("""
                {"date":"2026-11-30","transactions":[{"kind":"PAYMENT","payment_id":"PAY-JW45R2B55EBQEGAPZHVF","trx_id":"1246","payment_code":"8896512345678123",
                  "invoice_number":"INV-SPLIT-0001","business_date":"2026-11-30","created_at":"2026-11-30T03:06:28Z","gross":150000,"fee":4750,"net":145250,
                  "splits":[{"payee":"SBA-0001-123123123","payee_type":"SETTLEMENT_ACCOUNT","type":"REMAINDER","amount":145250}]}]}
                """) } }],
            Errors = ["invalid_field"],
        },
    ];
}
