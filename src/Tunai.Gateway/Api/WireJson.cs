using System.Text.Json.Serialization;

namespace Tunai.Gateway.Api;

/// <summary>The one serializer context for everything Tunai writes on the wire (snake_case, nulls left out).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(PaymentCodes.CreateResponse))]
[JsonSerializable(typeof(PaymentCodes.UpdateResponse))]
[JsonSerializable(typeof(PaymentCodes.PaymentCodeList))]
[JsonSerializable(typeof(Merchants.MerchantView))]
[JsonSerializable(typeof(Snap.SnapGatewayKeyView))]
[JsonSerializable(typeof(HowToPay.HowToPayApiResponse))]
[JsonSerializable(typeof(Acquirers.AcquirerView))]
[JsonSerializable(typeof(Notifications.PaymentNotification))]
[JsonSerializable(typeof(Notifications.NotificationView))]
[JsonSerializable(typeof(Notifications.NotificationList))]
[JsonSerializable(typeof(Notifications.RetryResult))]
[JsonSerializable(typeof(DirectInquiry.DirectInquiryRequest))]
[JsonSerializable(typeof(Store.InquiryResponse))]
[JsonSerializable(typeof(Store.PaymentResponse))]
[JsonSerializable(typeof(Store.ReversalResponse))]
[JsonSerializable(typeof(OrderStatus.OrderStatusResponse))]
[JsonSerializable(typeof(Fees.AcquirerCostView))]
[JsonSerializable(typeof(Settlement.SettlementAccountView))]
[JsonSerializable(typeof(Settlement.SettlementAccountList))]
[JsonSerializable(typeof(Settlement.SubAccountView))]
[JsonSerializable(typeof(Settlement.SubAccountList))]
[JsonSerializable(typeof(Ledger.PaymentView))]
[JsonSerializable(typeof(Settlement.SettlementBatchView))]
[JsonSerializable(typeof(Settlement.SettlementBatchList))]
[JsonSerializable(typeof(Settlement.TransactionReport))]
[JsonSerializable(typeof(Settlement.MerchantSettlementReport))]
[JsonSerializable(typeof(Reconciliation.ReconciliationView))]
[JsonSerializable(typeof(Reconciliation.ReconciliationList))]
[JsonSerializable(typeof(Reconciliation.ReconciliationRowView))]
[JsonSerializable(typeof(Clock.SandboxClockView))]
public sealed partial class WireJsonContext : JsonSerializerContext;

public static class WireJson
{
    // Relaxed escaping: '+' in a base64 digest or non-ASCII names stay readable; the body is never embedded in HTML.
    private static readonly WireJsonContext Context = new(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    public static byte[] Serialize<T>(T value) =>
        EscapeAngleBrackets(JsonSerializer.SerializeToUtf8Bytes(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Context.GetTypeInfo(typeof(T))!));

    /// <summary>
    /// '&lt;' and '&gt;' as \u003c and \u003e, so an echoed "&lt;/script&gt;&lt;script&gt;..." cannot close a script block or open a
    /// tag wherever a client embeds an answer in a page. Relaxed escaping keeps every other character readable. In
    /// JSON text both bytes can only stand inside a string, and no UTF-8 multi-byte sequence contains them, so
    /// replacing the bytes is exact.
    /// </summary>
    private static byte[] EscapeAngleBrackets(byte[] json)
    {
        var count = json.AsSpan().Count((byte)'<') + json.AsSpan().Count((byte)'>');
        if (count == 0)
        {
            return json;
        }
        var escaped = new byte[json.Length + count * 5];
        var at = 0;
        foreach (var b in json)
        {
            if (b is (byte)'<' or (byte)'>')
            {
                "\\u003"u8.CopyTo(escaped.AsSpan(at));
                escaped[at + 5] = b == (byte)'<' ? (byte)'c' : (byte)'e';
                at += 6;
            }
            else
            {
                escaped[at++] = b;
            }
        }
        return escaped;
    }

    public static IResult Ok<T>(T value, int status = StatusCodes.Status200OK) => new JsonBytesResult(status, Serialize(value));
}
