using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tunai.Gateway.Merchants;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>A validated request to generate (DGPC, <see cref="PaymentCode"/> null) or register (MGPC) a code.</summary>
public sealed record CreateCommand(
    string InvoiceNumber,
    long Amount,
    string? PaymentCode,
    int ExpiredMinutes,
    bool Reusable,
    string? Info,
    string? Info2,
    string? Info3,
    string CustomerName,
    string? CustomerEmail,
    string? FooterMessage,
    string? InsuranceInfo,
    string? AccountId,
    string? Settlement,
    string? OverrideNotificationUrl,
    JsonElement? AdditionalInfo);

/// <summary>
/// A validated PATCH: <see cref="Cancel"/> for status DELETE, otherwise the fields to change (null: keep).
/// <see cref="InvoiceNumber"/> cannot change; it is only checked against the code's.
/// </summary>
public sealed record UpdateCommand(
    string PaymentCode,
    bool Cancel,
    string? InvoiceNumber,
    long? Amount,
    int? ExpiredMinutes,
    bool? Reusable,
    string? Info,
    string? Info2,
    string? Info3,
    string? CustomerName,
    string? CustomerEmail,
    string? FooterMessage,
    AdditionalInfoPatch? AdditionalInfo);

/// <summary>One field of <c>additional_info</c> in a PATCH: not sent (keep), sent as null (clear), or a new value.</summary>
public readonly record struct FieldChange(bool Given, string? Value)
{
    public static readonly FieldChange Keep = new(false, null);

    public string? Apply(string? current) => Given ? Value : current;
}

/// <summary>
/// The <c>additional_info</c> of a PATCH, as a JSON merge patch of one level over the stored object (RFC 7396):
/// each member sent replaces the stored one, a member sent as null removes it, members not sent are kept. The
/// members Tunai acts on are validated exactly as on generate and give the code's columns.
/// </summary>
public sealed record AdditionalInfoPatch(
    string Patch,
    FieldChange OverrideNotificationUrl,
    FieldChange InsuranceInfo,
    FieldChange AccountId,
    FieldChange Settlement)
{
    /// <summary>The stored additional_info with this patch applied, as stored JSON (null when nothing is left).</summary>
    public string? MergeInto(string? stored)
    {
        var merged = stored is null ? new JsonObject() : JsonNode.Parse(stored) as JsonObject ?? new JsonObject();
        foreach (var (name, value) in JsonNode.Parse(Patch)!.AsObject())
        {
            if (value is null)
            {
                merged.Remove(name);
            }
            else
            {
                merged[name] = value.DeepClone();
            }
        }
        return merged.Count == 0 ? null : merged.ToJsonString();
    }
}

/// <summary>The reference's field rules, per endpoint as written, in one place.</summary>
public static partial class PaymentCodeRequests
{
    public const int MaxCodeLength = 20;

    public static (CreateCommand? Command, ApiError? Error) ParseCreate(JsonElement root, Merchant merchant, TunaiOptions options)
    {
        var f = new FieldReader(root);
        var invoice = f.Text("order.invoice_number", 64, required: true);
        var amount = f.Digits("order.amount", 12, required: true, min: 1);
        var code = CodeField(f, merchant, required: false);
        var expired = f.Digits("online_to_offline_info.expired_time", 5, min: 1);
        var reusable = f.Flag("online_to_offline_info.reusable_status", required: true);
        var info = Info(f);
        var info2 = f.Text("online_to_offline_info.info2", 30);
        var info3 = f.Text("online_to_offline_info.info3", 30);
        var name = f.Text("customer.name", 64, required: true);
        var email = Email(f, "customer.email");
        var footer = f.Text("alfa_info.receipt.footer_message", 128);
        var additional = f.Object("additional_info");
        var insurance = f.Object("additional_info.insurance_info");
        var account = f.Text("additional_info.account.id", 64);
        var settlement = Settlement(f, amount ?? 0);
        var overrideUrl = OverrideUrl(f, merchant, options);
        if (f.Error is { } error)
        {
            return (null, error);
        }
        return (new CreateCommand(
            invoice!, amount!.Value, code, (int)(expired ?? options.PaymentCodes.DefaultExpiredMinutes), reusable!.Value,
            info, info2, info3, name!, email, footer, insurance?.GetRawText(), account, settlement, overrideUrl,
            additional), null);
    }

    public static (UpdateCommand? Command, ApiError? Error) ParseUpdate(JsonElement root, Merchant merchant, TunaiOptions options)
    {
        var f = new FieldReader(root);
        var code = CodeField(f, merchant, required: true);
        var status = f.Text("online_to_offline_info.status", 10, required: true);
        if (f.Error is null && status is not null
            && !status.Equals("ACTIVE", StringComparison.OrdinalIgnoreCase)
            && !status.Equals("DELETE", StringComparison.OrdinalIgnoreCase))
        {
            f.Fail<string>("online_to_offline_info.status", "online_to_offline_info.status must be ACTIVE (update) or DELETE (cancel)");
        }
        // Every field generate takes, with generate's rules (customer.name is 40 on update, as the reference
        // writes it); the invoice number cannot change and is checked against the code's by the caller.
        var invoice = f.Text("order.invoice_number", 64);
        var amount = f.Digits("order.amount", 12, min: 1);
        var expired = f.Digits("online_to_offline_info.expired_time", 5, min: 1);
        var reusable = f.Flag("online_to_offline_info.reusable_status");
        var info = Info(f);
        var info2 = f.Text("online_to_offline_info.info2", 30);
        var info3 = f.Text("online_to_offline_info.info3", 30);
        var name = f.Text("customer.name", 40);
        var email = Email(f, "customer.email");
        var footer = f.Text("alfa_info.receipt.footer_message", 128);
        var additional = AdditionalInfoOfUpdate(f, merchant, amount, options);
        if (f.Error is { } error)
        {
            return (null, error);
        }
        var cancel = status!.Equals("DELETE", StringComparison.OrdinalIgnoreCase);
        return (new UpdateCommand(code!, cancel, invoice, amount, (int?)expired, reusable, info, info2, info3, name, email, footer, additional), null);
    }

    /// <summary>
    /// additional_info of a PATCH: the members sent are checked as generate checks them (a settlement against the
    /// new amount when one is sent; against the stored amount by the caller otherwise).
    /// </summary>
    private static AdditionalInfoPatch? AdditionalInfoOfUpdate(FieldReader f, Merchant merchant, long? amount, TunaiOptions options)
    {
        if (f.Object("additional_info") is not { } patch)
        {
            return null;
        }
        FieldChange Change(string member, Func<string?> read) =>
            !patch.TryGetProperty(member, out var v) ? FieldChange.Keep
            : v.ValueKind == JsonValueKind.Null ? new FieldChange(true, null)
            : new FieldChange(true, read());
        var overrideUrl = Change("override_notification_url", () => OverrideUrl(f, merchant, options));
        var insurance = Change("insurance_info", () => f.Object("additional_info.insurance_info")?.GetRawText());
        var account = Change("account", () => f.Object("additional_info.account") is null ? null : f.Text("additional_info.account.id", 64));
        var settlement = Change("settlement", () => Settlement(f, amount ?? long.MaxValue));
        return f.Error is null ? new AdditionalInfoPatch(patch.GetRawText(), overrideUrl, insurance, account, settlement) : null;
    }

    private static string? CodeField(FieldReader f, Merchant merchant, bool required)
    {
        const string path = "online_to_offline_info.payment_code";
        var code = f.Text(path, 64, required);
        if (code is null)
        {
            return null;
        }
        code = code.Trim();
        if (!Digits().IsMatch(code))
        {
            return f.Fail<string>(path, $"{path} must contain digits only");
        }
        if (code.Length > MaxCodeLength)
        {
            return f.Fail<string>(path, $"{path} must be at most {MaxCodeLength} digits");
        }
        if (!code.StartsWith(merchant.CodePrefix, StringComparison.Ordinal) || code.Length == merchant.CodePrefix.Length)
        {
            return f.Fail<string>(path, $"{path} must start with your code prefix {merchant.CodePrefix} followed by at least one digit");
        }
        return code;
    }

    private static string? Info(FieldReader f) =>
        f.Has("online_to_offline_info.info")
            ? f.Text("online_to_offline_info.info", 30)
            : f.Text("online_to_offline_info.info1", 30);

    /// <summary>
    /// The reference allows "alphabetic, numeric, special chars" up to 128: length and control characters are
    /// checked (by <see cref="FieldReader.Text"/>), the shape is not, so an address on a dotless or an
    /// internationalised domain (<c>budi@localhost</c>, <c>budi@contoh.co.id</c>, <c>budi@ñandú.id</c>) passes.
    /// </summary>
    private static string? Email(FieldReader f, string path) => f.Text(path, 128);

    /// <summary>
    /// Split settlement: a list of {bank_account_settlement_id, value, type PERCENTAGE|FIX}. Percentages add up
    /// to at most 100 and fixed amounts to at most the amount. Stored normalised (values as JSON numbers).
    /// </summary>
    private static string? Settlement(FieldReader f, long amount)
    {
        const string path = "additional_info.settlement";
        var list = f.Array(path);
        if (list is null)
        {
            return null;
        }
        var items = list.Value.EnumerateArray().ToList();
        if (items.Count is 0 or > 50)
        {
            return f.Fail<string>(path, $"{path} must hold between 1 and 50 splits");
        }
        decimal percent = 0, fix = 0;
        var splits = new List<SettlementSplit>();
        for (var i = 0; i < items.Count; i++)
        {
            var at = $"{path}[{i}]";
            if (items[i].ValueKind != JsonValueKind.Object)
            {
                return f.Fail<string>(at, $"{at} must be an object");
            }
            var item = new FieldReader(items[i]);
            var id = item.Text("bank_account_settlement_id", 64, required: true);
            var type = item.Text("type", 16, required: true);
            // Bounded by the reader (at most the largest amount, 4 decimals), so 50 of them add up without overflow.
            var value = item.Number("value", max: 999_999_999_999m, maxDecimals: 4, required: true);
            if (item.Error is { } e)
            {
                return f.Fail<string>($"{at}.{e.Field}", $"{at}.{e.Message}");
            }
            if (type is not ("PERCENTAGE" or "FIX"))
            {
                return f.Fail<string>($"{at}.type", $"{at}.type must be PERCENTAGE or FIX");
            }
            if (value <= 0)
            {
                return f.Fail<string>($"{at}.value", $"{at}.value must be a number greater than 0");
            }
            if (type == "FIX" && value != decimal.Truncate(value!.Value))
            {
                return f.Fail<string>($"{at}.value", $"{at}.value must be a whole rupiah amount for type FIX");
            }
            if (type == "PERCENTAGE")
            {
                percent += value!.Value;
            }
            else
            {
                fix += value!.Value;
            }
            splits.Add(new SettlementSplit(id!, value!.Value, type));
        }
        if (percent > 100)
        {
            return f.Fail<string>(path, $"{path}: PERCENTAGE values add up to {percent}, more than 100");
        }
        if (fix > amount)
        {
            return f.Fail<string>(path, $"{path}: FIX values add up to {fix}, more than the amount {amount}");
        }
        return JsonSerializer.Serialize(splits, SettlementJsonContext.Default.ListSettlementSplit);
    }

    /// <summary>Any path and query under one of the merchant's notification origins (see <see cref="NotificationOrigins"/>).</summary>
    private static string? OverrideUrl(FieldReader f, Merchant merchant, TunaiOptions options)
    {
        const string path = "additional_info.override_notification_url";
        var url = f.Text(path, 2048);
        return url is not null && NotificationOrigins.OverrideRule(url, path, merchant, options) is { } broken ? f.Fail<string>(path, broken) : url;
    }

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex Digits();
}

public sealed record SettlementSplit(string BankAccountSettlementId, decimal Value, string Type);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<SettlementSplit>))]
internal sealed partial class SettlementJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
