using System.Text.Json;
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
[JsonSerializable(typeof(HowToPay.HowToPayApiResponse))]
[JsonSerializable(typeof(Store.AcquirerView))]
[JsonSerializable(typeof(Notifications.PaymentNotification))]
[JsonSerializable(typeof(Notifications.NotificationView))]
[JsonSerializable(typeof(Notifications.NotificationList))]
[JsonSerializable(typeof(Notifications.RetryResult))]
[JsonSerializable(typeof(DirectInquiry.DirectInquiryRequest))]
[JsonSerializable(typeof(Store.InquiryResponse))]
[JsonSerializable(typeof(Store.PaymentResponse))]
[JsonSerializable(typeof(Store.ReversalResponse))]
[JsonSerializable(typeof(OrderStatus.OrderStatusResponse))]
[JsonSerializable(typeof(Money.AcquirerCostView))]
[JsonSerializable(typeof(Money.SettlementAccountView))]
[JsonSerializable(typeof(Money.SettlementAccountList))]
[JsonSerializable(typeof(Money.SubAccountView))]
[JsonSerializable(typeof(Money.SubAccountList))]
[JsonSerializable(typeof(Money.PaymentView))]
[JsonSerializable(typeof(Money.SettlementBatchView))]
[JsonSerializable(typeof(Money.SettlementBatchList))]
[JsonSerializable(typeof(Money.TransactionReport))]
[JsonSerializable(typeof(Money.MerchantSettlementReport))]
[JsonSerializable(typeof(Money.ReconciliationView))]
[JsonSerializable(typeof(Money.ReconciliationList))]
[JsonSerializable(typeof(Money.ReconciliationRowView))]
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
        JsonSerializer.SerializeToUtf8Bytes(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Context.GetTypeInfo(typeof(T))!);

    public static IResult Ok<T>(T value, int status = StatusCodes.Status200OK) => new JsonBytesResult(status, Serialize(value));
}
