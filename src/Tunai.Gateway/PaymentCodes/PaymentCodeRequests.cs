using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;
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

/// <summary>A validated PATCH: <see cref="Cancel"/> for status DELETE, otherwise the fields to change.</summary>
public sealed record UpdateCommand(
    string PaymentCode,
    bool Cancel,
    string? InvoiceNumber,
    long? Amount,
    int? ExpiredMinutes,
    bool? Reusable,
    string? Info,
    string? CustomerName,
    string? CustomerEmail,
    string? FooterMessage);

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
        var overrideUrl = OverrideUrl(f, merchant);
        if (f.Error is { } error)
        {
            return (null, error);
        }
        return (new CreateCommand(
            invoice!, amount!.Value, code, (int)(expired ?? options.PaymentCodes.DefaultExpiredMinutes), reusable!.Value,
            info, info2, info3, name!, email, footer, insurance?.GetRawText(), account, settlement, overrideUrl,
            additional), null);
    }

    public static (UpdateCommand? Command, ApiError? Error) ParseUpdate(JsonElement root, Merchant merchant)
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
        var invoice = f.Text("order.invoice_number", 64);
        var amount = f.Digits("order.amount", 12, min: 1);
        var expired = f.Digits("online_to_offline_info.expired_time", 5, min: 1);
        var reusable = f.Flag("online_to_offline_info.reusable_status");
        var info = Info(f);
        var name = f.Text("customer.name", 40);
        var email = Email(f, "customer.email");
        var footer = f.Text("alfa_info.receipt.footer_message", 128);
        if (f.Error is { } error)
        {
            return (null, error);
        }
        var cancel = status!.Equals("DELETE", StringComparison.OrdinalIgnoreCase);
        return (new UpdateCommand(code!, cancel, invoice, amount, (int?)expired, reusable, info, name, email, footer), null);
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

    private static string? Email(FieldReader f, string path)
    {
        var email = f.Text(path, 128);
        if (email is not null && !EmailShape().IsMatch(email))
        {
            return f.Fail<string>(path, $"{path} must be an e-mail address like name@example.com");
        }
        return email;
    }

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
            var valueText = items[i].TryGetProperty("value", out var v)
                ? v.ValueKind switch { JsonValueKind.Number => v.GetRawText(), JsonValueKind.String => v.GetString(), _ => null }
                : null;
            if (item.Error is { } e)
            {
                return f.Fail<string>($"{at}.{e.Field}", $"{at}.{e.Message}");
            }
            if (type is not ("PERCENTAGE" or "FIX"))
            {
                return f.Fail<string>($"{at}.type", $"{at}.type must be PERCENTAGE or FIX");
            }
            if (!decimal.TryParse(valueText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                return f.Fail<string>($"{at}.value", $"{at}.value must be a number greater than 0");
            }
            if (type == "FIX" && value != decimal.Truncate(value))
            {
                return f.Fail<string>($"{at}.value", $"{at}.value must be a whole rupiah amount for type FIX");
            }
            if (type == "PERCENTAGE")
            {
                percent += value;
            }
            else
            {
                fix += value;
            }
            splits.Add(new SettlementSplit(id!, value, type));
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

    private static string? OverrideUrl(FieldReader f, Merchant merchant)
    {
        const string path = "additional_info.override_notification_url";
        var url = f.Text(path, 2048);
        if (url is null)
        {
            return null;
        }
        if (!TunaiOptionsValidator.IsHttpUrl(url))
        {
            return f.Fail<string>(path, $"{path} must be an absolute http(s) URL");
        }
        if (merchant.NotificationUrl is null)
        {
            return f.Fail<string>(path, $"{path} needs a notification URL configured for the merchant; its path must equal that URL's path");
        }
        var configured = new Uri(merchant.NotificationUrl).AbsolutePath;
        if (!string.Equals(new Uri(url).AbsolutePath, configured, StringComparison.Ordinal))
        {
            return f.Fail<string>(path, $"{path} must have the same path as the configured notification URL ({configured})");
        }
        return url;
    }

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex Digits();

    [GeneratedRegex(@"^[^@\s""(),:;<>\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")]
    private static partial Regex EmailShape();
}

public sealed record SettlementSplit(string BankAccountSettlementId, decimal Value, string Type);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<SettlementSplit>))]
internal sealed partial class SettlementJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
