using System.Text.Json.Nodes;
using Tunai.Gateway.Store;

namespace Tunai.Gateway.OpenApi;

// The store API's request bodies as StoreRequests reads them.

public sealed record StoreCodeRef([property: Text(20, Pattern = @"^\s*[0-9]+\s*$")] string PaymentCode);

public sealed record StoreTill([property: Text(32)] string AgentId, [property: Text(32)] string StoreId, [property: Text(32)] string? TerminalId);

public sealed record StoreAmount([property: Digits(12, Min = 1)] long Amount);

/// <summary>date: ISO-8601 with an offset, when the till acted.</summary>
public sealed record StoreInquiryRequest(
    StoreCodeRef OnlineToOfflineInfo,
    StoreTill Store,
    [property: Text(64)] string TrxId,
    [property: Text(40, Format = "date-time")] string Date);

public sealed record StorePaymentRequest(
    StoreCodeRef OnlineToOfflineInfo,
    StoreTill Store,
    StoreAmount Order,
    [property: Text(64)] string TrxId,
    [property: Text(40, Format = "date-time")] string Date);

public sealed record StoreReversalRequest(
    StoreCodeRef OnlineToOfflineInfo,
    [property: Text(64)] string TrxId,
    [property: Text(40, Format = "date-time")] string Date);

/// <summary>
/// The store document's operations. A store's refusal of a code (paid, expired, unknown, a wrong amount) is an answer
/// in the store's own shape with its status word, not an error body; error bodies are for broken requests.
/// </summary>
public static class StoreDocs
{
    private static readonly JsonNode Inquiry = OperationDoc.Json("""
        {"online_to_offline_info":{"payment_code":"8896512345678123"},
         "store":{"agent_id":"ALFAMART","store_id":"TZ01","terminal_id":"POS-02"},"trx_id":"1246","date":"2021-08-12T07:05:10Z"}
        """);

    private static readonly JsonNode InquiryAnswer = OperationDoc.Json("""
        {"online_to_offline_inquiry":{"status":"success"},"order":{"invoice_number":"INV-20210125-0001","amount":150000},
         "online_to_offline_info":{"payment_code":"8896512345678123","info":"Merchant Demo Store"},"customer":{"name":"Anton Budiman"}}
        """);

    private static readonly JsonNode InquiryPaid = OperationDoc.Json("""
        {"online_to_offline_inquiry":{"status":"billing_already_paid","message":"The payment code has already been paid"},
         "online_to_offline_info":{"payment_code":"8896512345678123"}}
        """);

    private static readonly JsonNode InquiryUnknown = OperationDoc.Json("""
        {"online_to_offline_inquiry":{"status":"billing_not_found","message":"The payment code is not known"},
         "online_to_offline_info":{"payment_code":"8896512345678999"}}
        """);

    private static readonly JsonNode Payment = OperationDoc.Json("""
        {"online_to_offline_info":{"payment_code":"8896512345678123"},
         "store":{"agent_id":"ALFAMART","store_id":"TZ01","terminal_id":"POS-02"},"order":{"amount":150000},"trx_id":"1246","date":"2021-08-12T07:06:28Z"}
        """);

    private static readonly JsonNode PaymentAnswer = OperationDoc.Json("""
        {"online_to_offline_payment":{"status":"success","payment_id":"PAY-0000000000000001"},"order":{"invoice_number":"INV-20210125-0001","amount":150000},
         "online_to_offline_info":{"payment_code":"8896512345678123","info":"Merchant Demo Store"},"customer":{"name":"Anton Budiman"},
         "alfa_info":{"receipt":{"footer_message":"Terima kasih"}}}
        """);

    private static readonly JsonNode PaymentDeclined = OperationDoc.Json("""
        {"online_to_offline_payment":{"status":"decline","message":"The amount must be exactly 150000 (closed amount)"},
         "online_to_offline_info":{"payment_code":"8896512345678123"}}
        """);

    private static readonly JsonNode Reversal = OperationDoc.Json("""
        {"online_to_offline_info":{"payment_code":"8896512345678123"},"trx_id":"1246","date":"2021-08-12T07:08:00Z"}
        """);

    private static readonly JsonNode ReversalAnswer = OperationDoc.Json("""{"status":"success","payment_id":"PAY-0000000000000001"}""");

    private static readonly JsonNode ReversalRefused = OperationDoc.Json("""
        {"status":"failed","payment_id":"PAY-0000000000000001","reason":"already_reversed","message":"The payment was already reversed"}
        """);

    private static readonly JsonNode ReversalUnknown = OperationDoc.Json("""
        {"status":"failed","reason":"payment_not_found","message":"No payment was made with trx_id 1247"}
        """);

    private static readonly string[] Outcomes =
        [StoreOutcome.Success, StoreOutcome.Decline, StoreOutcome.AlreadyPaid, StoreOutcome.Expired, StoreOutcome.NotFound];

    public static readonly IReadOnlyDictionary<(Type, string), string[]> Enums = new Dictionary<(Type, string), string[]>
    {
        [(typeof(StoreStatus), "status")] = Outcomes,
        [(typeof(PaymentStatus), "status")] = Outcomes,
        [(typeof(ReversalResponse), "status")] = [StoreOutcome.Success, "failed"],
        [(typeof(ReversalResponse), "reason")] = ["payment_not_found", "code_mismatch", "already_reversed", "reversal_window_passed", "trx_id_reused"],
    };

    private static Dictionary<string, JsonNode> One(string name, JsonNode example) => new() { [name] = example };

    /// <summary>A store operation: a POST at its name under <see cref="StoreEndpoints.Route"/>, its request example named after it.</summary>
    private static OperationDoc Post(string operation, Type request, JsonNode example, Answer[] answers) =>
        new("POST", $"{StoreEndpoints.Route}/{operation}") { Request = request, RequestExamples = One(operation, example), Answers = answers };

    public static readonly IReadOnlyList<OperationDoc> Operations =
    [
        Post("inquiry", typeof(StoreInquiryRequest), Inquiry,
            [
                new(200, typeof(InquiryResponse), "success: the code can be paid; what the till shows") { Examples = One("success", InquiryAnswer) },
                new(400, typeof(InquiryResponse), "decline, billing_already_paid or billing_was_expired") { Examples = One("paid", InquiryPaid) },
                new(404, typeof(InquiryResponse), "billing_not_found") { Examples = One("unknown", InquiryUnknown) },
            ]),
        Post("payment", typeof(StorePaymentRequest), Payment,
            [
                new(200, typeof(PaymentResponse), "success: paid; what the receipt prints (the same trx_id and body again: the same answer)") { Examples = One("success", PaymentAnswer) },
                new(400, typeof(PaymentResponse), "decline (a wrong amount, a cancelled code, a trx_id reused or reversed), billing_already_paid or billing_was_expired") { Examples = One("decline", PaymentDeclined) },
                new(404, typeof(PaymentResponse), "billing_not_found"),
            ]),
        Post("reversal", typeof(StoreReversalRequest), Reversal,
            [
                new(200, typeof(ReversalResponse), "success: the payment is reversed and the code can be paid again") { Examples = One("success", ReversalAnswer) },
                new(400, typeof(ReversalResponse), "failed, reason code_mismatch, already_reversed, reversal_window_passed or trx_id_reused") { Examples = One("already reversed", ReversalRefused) },
                new(404, typeof(ReversalResponse), "failed, reason payment_not_found") { Examples = One("unknown", ReversalUnknown) },
            ]),
    ];
}
