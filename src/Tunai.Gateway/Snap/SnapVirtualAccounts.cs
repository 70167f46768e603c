using Microsoft.AspNetCore.Http.Features;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tunai.Gateway.Idempotency;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Telemetry;
using Tunai.Signing;

namespace Tunai.Gateway.Snap;

/// <summary>
/// Alfa store codes as SNAP virtual accounts (<c>transfer-va</c> create, update, delete, status). Each request is
/// translated into the Alfa O2O request it means and run through the same field rules
/// (<see cref="PaymentCodeRequests"/>) and the same operations (<see cref="PaymentCodeOperations"/>); the refusals
/// come back as SNAP responseCodes. The store keys in <c>partnerServiceId</c>'s digits + <c>customerNo</c>.
/// </summary>
public static partial class SnapVirtualAccounts
{
    /// <summary>The <c>additionalInfo.channel</c> values that select Alfa store codes (case-insensitive).</summary>
    public static readonly string[] AlfaChannels = ["ALFAMART", "ALFAMIDI", "ALFA", "ALFAGROUP", "LAWSON", "DANDAN"];

    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    /// <summary>Where the code is: <c>partnerServiceId</c> as received (echoed so), <c>customerNo</c>, and the code.</summary>
    private sealed record VaKey(string PartnerServiceId, string? CustomerNo, string? Code);

    public static async Task<IResult> Create(HttpContext http, Database database, TunaiOptions options, TimeProvider time, RequestKeys keys)
    {
        var request = http.Features.GetRequiredFeature<SnapRequest>();
        const string service = SnapService.Create;
        var merchant = request.Merchant;
        var now = time.GetUtcNow();
        if (ReadTarget(request, service, create: true, out var document, out var key, out var channel) is { } refused)
        {
            return refused;
        }
        using (document)
        {
            var (alfa, expiresAt, mapError) = AlfaBody(document!.RootElement, service, now, key!.Code, create: true);
            if (mapError is not null)
            {
                return mapError;
            }
            using var alfaDocument = JsonDocument.Parse(alfa!.ToJsonString());
            var (command, error) = PaymentCodeRequests.ParseCreate(alfaDocument.RootElement, merchant, options);
            if (error is not null)
            {
                return Refusal(service, error, update: false);
            }
            var c = command!;
            var createdAt = now.ToUnixTimeMilliseconds();
            var code = PaymentCodeOperations.NewCode(merchant, c, request.ExternalId, createdAt,
                expiresAt ?? createdAt + c.ExpiredMinutes * 60_000L);
            var baseUrl = PaymentCodeEndpoints.PublicBaseUrl(http, options);
            var replayKey = ReplayKey(http, keys, request);
            string? created = null;
            var result = await database.WriteAsync<IResult>(async unit =>
            {
                created = null;
                if (await Claim(unit, replayKey, service) is { } answered)
                {
                    return answered;
                }
                var (stored, refused) = await PaymentCodeOperations.CreateAsync(unit, options, merchant, c, code);
                if (refused is not null)
                {
                    return Refusal(service, refused, update: false);
                }
                var answer = SnapResult.Success(service, new JsonObject { ["virtualAccountData"] = VaData(stored!, key, channel!, baseUrl) });
                await replayKey.CompleteAsync(unit, StatusCodes.Status200OK, answer.Body);
                unit.Commit();
                created = stored!.Code;
                return answer;
            }, http.RequestAborted);
            if (created is not null)
            {
                http.RequestServices.GetRequiredService<GatewayTelemetry>().CodeCreated(merchant.ClientId, created);
            }
            return result;
        }
    }

    public static Task<IResult> Update(HttpContext http, Database database, TunaiOptions options, TimeProvider time, RequestKeys keys) =>
        Change(http, database, options, time, keys, cancel: false);

    public static Task<IResult> Delete(HttpContext http, Database database, TunaiOptions options, TimeProvider time, RequestKeys keys) =>
        Change(http, database, options, time, keys, cancel: true);

    private static async Task<IResult> Change(HttpContext http, Database database, TunaiOptions options, TimeProvider time, RequestKeys keys, bool cancel)
    {
        var request = http.Features.GetRequiredFeature<SnapRequest>();
        var service = cancel ? SnapService.Delete : SnapService.Update;
        var merchant = request.Merchant;
        var now = time.GetUtcNow();
        if (ReadTarget(request, service, create: false, out var document, out var key, out var channel, trxType: !cancel) is { } refused)
        {
            return refused;
        }
        using (document)
        {
            var root = document!.RootElement;
            JsonObject alfa;
            long? expiresAt = null;
            if (cancel)
            {
                alfa = new JsonObject { ["online_to_offline_info"] = new JsonObject { ["payment_code"] = key!.Code, ["status"] = "DELETE" } };
                if (Text(root, "trxId") is { } trxId)
                {
                    alfa["order"] = new JsonObject { ["invoice_number"] = trxId };
                }
            }
            else
            {
                (var body, expiresAt, var mapError) = AlfaBody(root, service, now, key!.Code, create: false);
                if (mapError is not null)
                {
                    return mapError;
                }
                alfa = body!;
            }
            using var alfaDocument = JsonDocument.Parse(alfa.ToJsonString());
            var (command, error) = PaymentCodeRequests.ParseUpdate(alfaDocument.RootElement, merchant, options);
            if (error is not null)
            {
                return Refusal(service, error, update: true);
            }
            var baseUrl = PaymentCodeEndpoints.PublicBaseUrl(http, options);
            var replayKey = ReplayKey(http, keys, request);
            return await database.WriteAsync<IResult>(async unit =>
            {
                if (await Claim(unit, replayKey, service) is { } answered)
                {
                    return answered;
                }
                var (changed, refused) = await PaymentCodeOperations.UpdateAsync(unit, merchant, command!, expiresAt, now);
                if (refused is not null)
                {
                    return Refusal(service, refused, update: true);
                }
                var answer = SnapResult.Success(service, new JsonObject { ["virtualAccountData"] = VaData(changed!, key, channel ?? AlfaChannels[0], baseUrl) });
                await replayKey.CompleteAsync(unit, StatusCodes.Status200OK, answer.Body);
                unit.Commit();
                return answer;
            }, http.RequestAborted);
        }
    }

    public static async Task<IResult> Status(HttpContext http, Database database, TimeProvider time, RequestKeys keys)
    {
        var request = http.Features.GetRequiredFeature<SnapRequest>();
        const string service = SnapService.Status;
        var merchant = request.Merchant;
        if (Parse(request, out var document) is { } malformed)
        {
            return malformed;
        }
        using (document)
        {
            var root = document!.RootElement;
            if (ReadKey(root, merchant, service, customerNoRequired: true) is var (key, keyError) && keyError is not null)
            {
                return keyError;
            }
            var now = time.GetUtcNow();
            PaymentCode? code;
            (long Amount, long PaidAt, string TrxId, string Acquirer)? paid = null;
            await using (var connection = await database.OpenAsync(http.RequestAborted))
            {
                code = await PaymentCodeStore.FindAsync(connection, merchant.Id, key!.Code!);
                if (code is not null)
                {
                    paid = await connection.QuerySingleOrDefaultAsync<(long, long, string, string)?>(
                        """
                        SELECT y.amount, y.paid_at, y.trx_id, a.code FROM payments y JOIN acquirers a ON a.id = y.acquirer_id
                        WHERE y.payment_code_id = @id AND y.status = 'SUCCESS' ORDER BY y.id DESC LIMIT 1
                        """, new { id = code.Id });
                }
            }
            if (code is null)
            {
                return SnapResult.Of($"404{service}12", "Invalid Bill/Virtual Account [Not Found]");
            }
            var status = code.StatusAt(now);
            var isPaid = paid is not null;
            var data = new JsonObject
            {
                ["partnerServiceId"] = key.PartnerServiceId,
                ["customerNo"] = key.CustomerNo,
                ["virtualAccountNo"] = key.PartnerServiceId + key.CustomerNo,
                ["inquiryRequestId"] = Text(root, "inquiryRequestId") ?? "",
                ["paymentRequestId"] = Text(root, "paymentRequestId") ?? "",
                ["trxId"] = code.InvoiceNumber,
                ["paidAmount"] = Amount(isPaid ? paid!.Value.Amount : 0),
                ["totalAmount"] = Amount(code.Amount),
                ["transactionDate"] = isPaid ? SnapSignature.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(paid!.Value.PaidAt).ToOffset(Wib)) : null,
                ["referenceNo"] = isPaid ? paid!.Value.TrxId : null,
                // 00 paid; 01 not paid (active, expired or cancelled: additionalInfo.trxStatus says which).
                ["paymentFlagStatus"] = isPaid ? "00" : "01",
                ["paymentFlagReason"] = isPaid
                    ? new JsonObject { ["english"] = "Success", ["indonesia"] = "Sukses" }
                    : new JsonObject { ["english"] = $"Not paid ({status.ToLowerInvariant()})", ["indonesia"] = $"Belum dibayar ({IndonesianStatus(status)})" },
                ["billDetails"] = new JsonArray(),
            };
            var answer = SnapResult.Success(service, new JsonObject
            {
                ["virtualAccountData"] = data,
                ["additionalInfo"] = new JsonObject
                {
                    ["acquirer"] = new JsonObject { ["id"] = isPaid ? paid!.Value.Acquirer : null },
                    ["trxStatus"] = status,
                    ["channel"] = AlfaChannels[0],
                },
            });
            var replayKey = ReplayKey(http, keys, request);
            return await database.WriteAsync<IResult>(async unit =>
            {
                if (await Claim(unit, replayKey, service) is { } answered)
                {
                    return answered;
                }
                await replayKey.CompleteAsync(unit, StatusCodes.Status200OK, answer.Body);
                unit.Commit();
                return answer;
            }, http.RequestAborted);
        }
    }

    private static string IndonesianStatus(string status) => status switch
    {
        CodeStatus.Active => "aktif",
        CodeStatus.Expired => "kedaluwarsa",
        CodeStatus.Cancelled => "dibatalkan",
        _ => status.ToLowerInvariant(),
    };

    /// <summary>
    /// X-EXTERNAL-ID's replay key: the merchant's Request-Id store (<see cref="RequestKeys"/>) under its own namespace,
    /// kept as long as Request-Ids are (a day by default), claimed inside the unit that does the work.
    /// </summary>
    private static RequestKey ReplayKey(HttpContext http, RequestKeys keys, SnapRequest request) =>
        keys.For(request.Merchant.Id, "snap:" + request.ExternalId,
            RequestKeys.Hash(http.Request.Method, SnapAuthentication.SignedPath(http), request.Body));

    /// <summary>Null when the X-EXTERNAL-ID is this request's; otherwise the answer: the stored one (409, replayed) or a conflict.</summary>
    private static async Task<IResult?> Claim(WriteUnit unit, RequestKey key, string service) =>
        await key.ClaimAsync(unit) switch
        {
            null => null,
            JsonBytesResult replay => replay,
            ApiError { Code: "request_id_reused" } => SnapResult.Of($"409{service}00",
                "Conflict. This X-EXTERNAL-ID was already used today for a different request; use a new X-EXTERNAL-ID"),
            _ => SnapResult.Of($"409{service}00", "Conflict. A request with this X-EXTERNAL-ID is still being processed; retry later"),
        };

    private static SnapResult? Parse(SnapRequest request, out JsonDocument? document)
    {
        if (RequestBody.ParseObject(request.Body, out document) is { } malformed)
        {
            return SnapResult.BadRequest(request.Service, malformed.Message);
        }
        return null;
    }

    /// <summary>
    /// Parses the body and reads what create, update and delete all read first, refused in this order: where the code
    /// is (customerNo required but on create), the channel (required on create), the trxType (not on delete). On
    /// success the caller owns the document.
    /// </summary>
    private static SnapResult? ReadTarget(SnapRequest request, string service, bool create, out JsonDocument? document, out VaKey? key, out string? channel, bool trxType = true)
    {
        (key, channel) = (null, null);
        if (Parse(request, out document) is { } malformed)
        {
            return malformed;
        }
        var root = document!.RootElement;
        SnapResult? error;
        (key, error) = ReadKey(root, request.Merchant, service, customerNoRequired: !create);
        if (error is null)
        {
            (channel, error) = Channel(root, service, required: create);
        }
        if (error is null && trxType)
        {
            error = TrxType(root, service);
        }
        if (error is not null)
        {
            document.Dispose();
            document = null;
        }
        return error;
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>partnerServiceId (the merchant's prefix, padded with spaces to 8 or not), customerNo and virtualAccountNo.</summary>
    private static (VaKey? Key, SnapResult? Error) ReadKey(JsonElement root, Merchant merchant, string service, bool customerNoRequired)
    {
        if (!root.TryGetProperty("partnerServiceId", out var psidElement) || psidElement.ValueKind == JsonValueKind.Null)
        {
            return (null, SnapResult.Missing(service, "partnerServiceId"));
        }
        var psid = psidElement.ValueKind == JsonValueKind.String ? psidElement.GetString()! : null;
        if (psid is null || psid.Length > 8 || !PartnerServiceId().IsMatch(psid))
        {
            return (null, SnapResult.InvalidFormat(service, "partnerServiceId", "your code prefix, digits, left-padded with spaces to 8 characters"));
        }
        if (psid.TrimStart(' ') != merchant.CodePrefix)
        {
            return (null, SnapResult.InvalidFormat(service, "partnerServiceId", $"must be your code prefix {merchant.CodePrefix}"));
        }
        string? customerNo = null;
        if (root.TryGetProperty("customerNo", out var c) && c.ValueKind != JsonValueKind.Null)
        {
            customerNo = c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (customerNo is null || customerNo.Length is 0 or > 20 || !customerNo.All(char.IsAsciiDigit))
            {
                return (null, SnapResult.InvalidFormat(service, "customerNo", "1 to 20 digits"));
            }
        }
        // The SDKs allow customerNo null beside a virtualAccountNo: the digits after partnerServiceId are the customerNo.
        if (customerNo is null && Text(root, "virtualAccountNo") is { } given)
        {
            var rest = given.StartsWith(psid, StringComparison.Ordinal) ? given[psid.Length..]
                : given.StartsWith(merchant.CodePrefix, StringComparison.Ordinal) ? given[merchant.CodePrefix.Length..] : null;
            if (rest is not { Length: > 0 and <= 20 } || !rest.All(char.IsAsciiDigit))
            {
                return (null, SnapResult.Of($"404{service}18", "Inconsistent Request [virtualAccountNo must be partnerServiceId + customerNo]"));
            }
            customerNo = rest;
        }
        if (customerNo is null && customerNoRequired)
        {
            return (null, SnapResult.Missing(service, "customerNo"));
        }
        if (customerNo is not null && Text(root, "virtualAccountNo") is { } vaNo
            && vaNo != psid + customerNo && vaNo != merchant.CodePrefix + customerNo)
        {
            return (null, SnapResult.Of($"404{service}18", "Inconsistent Request [virtualAccountNo must be partnerServiceId + customerNo]"));
        }
        return (new VaKey(psid, customerNo, customerNo is null ? null : merchant.CodePrefix + customerNo), null);
    }

    private static (string? Channel, SnapResult? Error) Channel(JsonElement root, string service, bool required)
    {
        var channel = root.TryGetProperty("additionalInfo", out var info) && info.ValueKind == JsonValueKind.Object
            && info.TryGetProperty("channel", out var ch) && ch.ValueKind == JsonValueKind.String ? ch.GetString() : null;
        if (channel is null)
        {
            return required ? (null, SnapResult.Missing(service, "additionalInfo.channel")) : (null, null);
        }
        return AlfaChannels.Contains(channel.ToUpperInvariant())
            ? (channel, null)
            : (null, SnapResult.InvalidFormat(service, "additionalInfo.channel", $"must be one of {string.Join(", ", AlfaChannels)} (Alfa store codes)"));
    }

    /// <summary>Only closed amounts (C): a store code is paid once, for its amount.</summary>
    private static SnapResult? TrxType(JsonElement root, string service) =>
        Text(root, "virtualAccountTrxType") is { } type && !type.Equals("C", StringComparison.OrdinalIgnoreCase)
            ? SnapResult.InvalidFormat(service, "virtualAccountTrxType", "only C (closed amount) is offered for store codes")
            : root.TryGetProperty("virtualAccountTrxType", out var t) && t.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)
                ? SnapResult.InvalidFormat(service, "virtualAccountTrxType", "only C (closed amount) is offered for store codes")
                : null;

    /// <summary>The Alfa O2O request the SNAP one means, and the exact expiry when expiredDate was given.</summary>
    private static (JsonObject? Body, long? ExpiresAt, SnapResult? Error) AlfaBody(JsonElement root, string service, DateTimeOffset now, string? code, bool create)
    {
        var order = new JsonObject();
        var info = new JsonObject();
        var customer = new JsonObject();
        var alfa = new JsonObject { ["order"] = order, ["online_to_offline_info"] = info, ["customer"] = customer };
        if (code is not null)
        {
            info["payment_code"] = code;
        }
        if (!create)
        {
            info["status"] = "ACTIVE";
        }
        if (Text(root, "trxId") is { } trxId)
        {
            order["invoice_number"] = trxId;
        }
        else if (create)
        {
            return (null, null, SnapResult.Missing(service, "trxId"));
        }
        if (root.TryGetProperty("totalAmount", out var total) && total.ValueKind != JsonValueKind.Null)
        {
            var value = total.ValueKind == JsonValueKind.Object && total.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var currency = total.ValueKind == JsonValueKind.Object && total.TryGetProperty("currency", out var cur) && cur.ValueKind == JsonValueKind.String ? cur.GetString() : null;
            if (value is null)
            {
                return (null, null, SnapResult.Missing(service, "totalAmount.value"));
            }
            if (currency is not null && currency != "IDR")
            {
                return (null, null, SnapResult.InvalidFormat(service, "totalAmount.currency", "must be IDR"));
            }
            var amount = AmountValue().Match(value);
            if (!amount.Success)
            {
                return (null, null, SnapResult.InvalidFormat(service, "totalAmount.value", "digits with two decimals, e.g. 150000.00"));
            }
            if (amount.Groups[2].Success && amount.Groups[2].Value != ".00")
            {
                return (null, null, SnapResult.Of($"404{service}13", "Invalid Amount [whole rupiah only: the decimals must be .00]"));
            }
            order["amount"] = long.Parse(amount.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        else if (create)
        {
            return (null, null, SnapResult.Missing(service, "totalAmount"));
        }
        long? expiresAt = null;
        if (Text(root, "expiredDate") is { } expired)
        {
            if (!SnapSignature.TryParseTimestamp(expired, out var at))
            {
                return (null, null, SnapResult.InvalidFormat(service, "expiredDate", "ISO-8601 with an offset, e.g. 2026-12-08T23:59:59+07:00"));
            }
            if (at <= now)
            {
                return (null, null, SnapResult.InvalidFormat(service, "expiredDate", "must be in the future"));
            }
            // The Alfa request counts whole minutes; the code keeps the exact instant.
            info["expired_time"] = (long)Math.Ceiling((at - now).TotalMinutes);
            expiresAt = at.ToUnixTimeMilliseconds();
        }
        // Top level (BI), or additionalInfo.virtualAccountConfig.reusableStatus (the provider's SDK).
        if (root.TryGetProperty("reusableStatus", out var reusable) && reusable.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            info["reusable_status"] = reusable.GetBoolean();
        }
        else if (root.TryGetProperty("additionalInfo", out var additional) && additional.ValueKind == JsonValueKind.Object
            && additional.TryGetProperty("virtualAccountConfig", out var config) && config.ValueKind == JsonValueKind.Object
            && config.TryGetProperty("reusableStatus", out var configured) && configured.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            info["reusable_status"] = configured.GetBoolean();
        }
        else if (create)
        {
            info["reusable_status"] = false;
        }
        if (root.TryGetProperty("freeText", out var freeText) && freeText.ValueKind != JsonValueKind.Null)
        {
            if (freeText.ValueKind != JsonValueKind.Array || freeText.GetArrayLength() > 3)
            {
                return (null, null, SnapResult.InvalidFormat(service, "freeText", "an array of at most 3 {english, indonesia} lines"));
            }
            var names = new[] { "info", "info2", "info3" };
            var i = 0;
            foreach (var line in freeText.EnumerateArray())
            {
                var text = line.ValueKind == JsonValueKind.Object ? (Text(line, "indonesia") ?? Text(line, "english")) : null;
                if (text is not null)
                {
                    info[names[i]] = text;
                }
                i++;
            }
        }
        if (Text(root, "virtualAccountName") is { } name)
        {
            customer["name"] = name;
        }
        if (Text(root, "virtualAccountEmail") is { } email)
        {
            customer["email"] = email;
        }
        if (Text(root, "virtualAccountPhone") is { } phone)
        {
            if (phone.Length > 30)
            {
                return (null, null, SnapResult.InvalidFormat(service, "virtualAccountPhone", "at most 30 characters"));
            }
            alfa["additional_info"] = new JsonObject { ["customer_phone"] = phone };
        }
        return (alfa, expiresAt, null);
    }

    /// <summary>The Alfa request's field names as SNAP names them, for refusals.</summary>
    private static readonly (string Alfa, string Snap)[] FieldNames =
    [
        ("order.invoice_number", "trxId"),
        ("order.amount", "totalAmount.value"),
        ("online_to_offline_info.payment_code", "customerNo"),
        ("online_to_offline_info.expired_time", "expiredDate"),
        ("online_to_offline_info.reusable_status", "reusableStatus"),
        ("online_to_offline_info.info3", "freeText[2]"),
        ("online_to_offline_info.info2", "freeText[1]"),
        ("online_to_offline_info.info1", "freeText[0]"),
        ("online_to_offline_info.info", "freeText[0]"),
        ("customer.name", "virtualAccountName"),
        ("customer.email", "virtualAccountEmail"),
        ("additional_info.customer_phone", "virtualAccountPhone"),
        ("additional_info", "additionalInfo"),
    ];

    private static string SnapField(string? alfa)
    {
        if (alfa is null)
        {
            return "";
        }
        foreach (var (a, s) in FieldNames)
        {
            if (alfa.StartsWith(a, StringComparison.Ordinal))
            {
                return s + alfa[a.Length..];
            }
        }
        return alfa;
    }

    private static string SnapMessage(string message)
    {
        foreach (var (a, s) in FieldNames)
        {
            message = message.Replace(a, s, StringComparison.Ordinal);
        }
        return message;
    }

    /// <summary>A refusal of the shared rules as the SNAP case it is.</summary>
    private static SnapResult Refusal(string service, ApiError error, bool update) => error.Code switch
    {
        "payment_code_not_found" => SnapResult.Of($"404{service}12", "Invalid Bill/Virtual Account [Not Found]"),
        "payment_code_paid" => SnapResult.Of($"404{service}14", "Paid Bill"),
        "payment_code_cancelled" => SnapResult.Of($"404{service}19", "Invalid Bill/Virtual Account [Cancelled]"),
        "payment_code_expired" => SnapResult.Of($"403{service}00", "Transaction Expired [send a later expiredDate to extend it]"),
        "payment_code_in_use" => SnapResult.Of($"409{service}01", "Duplicate partnerReferenceNo [this virtualAccountNo was already registered; codes are never reused]"),
        "invoice_number_in_use" => SnapResult.Of($"409{service}01", $"Duplicate partnerReferenceNo [{SnapMessage(error.Message)}]"),
        "invalid_field" when update && error.Field == "order.invoice_number" =>
            SnapResult.Of($"404{service}18", $"Inconsistent Request [{SnapMessage(error.Message)}]"),
        "invalid_field" when error.Field is "order.amount" && !error.Message.EndsWith("is mandatory", StringComparison.Ordinal) =>
            SnapResult.Of($"404{service}13", $"Invalid Amount [{SnapMessage(error.Message)}]"),
        "invalid_field" when error.Field is not null && error.Field.StartsWith(Tunai.Gateway.Settlement.CodeMoney.SettlementField, StringComparison.Ordinal) =>
            SnapResult.Of($"404{service}13", $"Invalid Amount [{SnapMessage(error.Message)}]"),
        "invalid_field" when error.Message.EndsWith("is mandatory", StringComparison.Ordinal) => SnapResult.Missing(service, SnapField(error.Field)),
        "invalid_field" => SnapResult.Of($"400{service}01", $"Invalid Field Format {SnapField(error.Field)}: {SnapMessage(error.Message)}"),
        _ => SnapResult.BadRequest(service, SnapMessage(error.Message)),
    };

    private static JsonObject Amount(long amount) => new()
    {
        ["value"] = amount.ToString(CultureInfo.InvariantCulture) + ".00",
        ["currency"] = "IDR",
    };

    /// <summary>What create, update and delete answer: every object the provider's SDKs read without checking.</summary>
    private static JsonObject VaData(PaymentCode code, VaKey key, string channel, string baseUrl)
    {
        var customerNo = key.CustomerNo ?? code.Code[key.PartnerServiceId.TrimStart(' ').Length..];
        var phone = code.AdditionalInfo is { } stored && JsonNode.Parse(stored) is JsonObject o && o["customer_phone"] is JsonValue p ? p.GetValue<string>() : null;
        var freeText = new JsonArray();
        foreach (var line in new[] { code.Info, code.Info2, code.Info3 })
        {
            if (line is not null)
            {
                freeText.Add(new JsonObject { ["english"] = line, ["indonesia"] = line });
            }
        }
        return new JsonObject
        {
            ["partnerServiceId"] = key.PartnerServiceId,
            ["customerNo"] = customerNo,
            ["virtualAccountNo"] = key.PartnerServiceId + customerNo,
            ["virtualAccountName"] = code.CustomerName,
            ["virtualAccountEmail"] = code.CustomerEmail ?? "",
            ["virtualAccountPhone"] = phone ?? "",
            ["trxId"] = code.InvoiceNumber,
            ["totalAmount"] = Amount(code.Amount),
            ["virtualAccountTrxType"] = "C",
            ["reusableStatus"] = code.Reusable,
            ["expiredDate"] = SnapSignature.FormatTimestamp(code.Expires.ToOffset(Wib)),
            ["freeText"] = freeText,
            ["additionalInfo"] = new JsonObject
            {
                ["channel"] = channel,
                ["howToPayPage"] = $"{baseUrl}/how-to-pay/v2/alfa-online-to-offline/{code.Code}/{code.HowToPayToken}",
                ["howToPayApi"] = $"{baseUrl}/alfa-online-to-offline/v2/how-to-pay-api/{code.Code}/{code.HowToPayToken}",
            },
        };
    }

    [GeneratedRegex(@"^ {0,7}[0-9]{1,8}$")]
    private static partial Regex PartnerServiceId();

    [GeneratedRegex(@"^(0|[1-9][0-9]{0,15})(\.[0-9]{2})?$")]
    private static partial Regex AmountValue();
}
