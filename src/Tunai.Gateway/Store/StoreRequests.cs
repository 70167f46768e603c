using Tunai.Signing;

namespace Tunai.Gateway.Store;

/// <summary>An inquiry or payment as the POS sends it; <see cref="Amount"/> only for a payment.</summary>
public sealed record StoreRequest(string PaymentCode, string AgentId, string StoreId, string? TerminalId, string TrxId, string Date, DateTimeOffset DateValue, long? Amount);

public sealed record ReversalRequest(string PaymentCode, string TrxId, string Date);

public static class StoreRequests
{
    public static (StoreRequest? Request, ApiError? Error) Parse(JsonElement root, bool isPayment)
    {
        var f = new FieldReader(root);
        var code = f.Text("online_to_offline_info.payment_code", 20, required: true);
        var agent = f.Text("store.agent_id", 32, required: true);
        var store = f.Text("store.store_id", 32, required: true);
        var terminal = f.Text("store.terminal_id", 32);
        var trx = f.Text("trx_id", 64, required: true);
        var date = f.Text("date", 40, required: true);
        var amount = isPayment ? f.Digits("order.amount", 12, required: true, min: 1) : null;
        if (code is not null && !code.All(char.IsAsciiDigit))
        {
            f.Fail<string>("online_to_offline_info.payment_code", "online_to_offline_info.payment_code must contain digits only");
        }
        DateTimeOffset when = default;
        if (date is not null && !Signature.TryParseTimestamp(date, out when))
        {
            f.Fail<string>("date", "date must be ISO-8601, e.g. 2026-11-23T03:15:00Z");
        }
        return f.Error is { } error
            ? (null, error)
            : (new StoreRequest(code!, agent!, store!, terminal, trx!, date!, when, amount), null);
    }

    public static (ReversalRequest? Request, ApiError? Error) ParseReversal(JsonElement root)
    {
        var f = new FieldReader(root);
        var code = f.Text("online_to_offline_info.payment_code", 20, required: true);
        var trx = f.Text("trx_id", 64, required: true);
        var date = f.Text("date", 40, required: true);
        if (date is not null && !Signature.TryParseTimestamp(date, out _))
        {
            f.Fail<string>("date", "date must be ISO-8601, e.g. 2026-11-23T03:15:00Z");
        }
        return f.Error is { } error ? (null, error) : (new ReversalRequest(code!, trx!, date!), null);
    }
}
