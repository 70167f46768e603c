using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Tunai.Cli;

/// <summary><c>tunai store inquiry|pay|reverse</c>: a POS terminal of the Alfa network, for trying a gateway by hand.</summary>
internal static class StoreCommands
{
    private static readonly string[] Brands = ["ALFAMART", "ALFAEXPRESS", "ALFAMIDI", "LAWSON", "DANDAN"];

    /// <summary>Western Indonesia Time, which Alfa stores print on receipts (no daylight saving: a fixed offset).</summary>
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    private sealed record Common(
        Option<string> Gateway, Option<string> ClientId, Option<string> SecretKey, Option<string> Agent,
        Option<string> Store, Option<string> Terminal, Option<string> TrxId, Option<bool> Json);

    public static Command Create(CliConsole console)
    {
        var common = new Common(
            new Option<string>("--gateway")
            {
                Description = "Gateway base URL [default: $TUNAI_GATEWAY_URL or http://127.0.0.1:5080]",
                Recursive = true,
            },
            new Option<string>("--client-id")
            {
                Description = $"Acquirer Client-Id [default: $TUNAI_ACQUIRER_CLIENT_ID or {SandboxEnv.RelativePath}]",
                Recursive = true,
            },
            new Option<string>("--secret-key")
            {
                Description = $"Acquirer secret key [default: $TUNAI_ACQUIRER_SECRET_KEY or {SandboxEnv.RelativePath}]",
                Recursive = true,
            },
            new Option<string>("--agent") { Description = "Store brand (agent_id)", DefaultValueFactory = _ => "ALFAMART", Recursive = true },
            new Option<string>("--store") { Description = "Store id", DefaultValueFactory = _ => "TZ01", Recursive = true },
            new Option<string>("--terminal") { Description = "Terminal id", DefaultValueFactory = _ => "POS-01", Recursive = true },
            new Option<string>("--trx-id") { Description = "The store's transaction id [default: a fresh ALFA-yyyyMMdd-xxxxxxxx]", Recursive = true },
            new Option<bool>("--json") { Description = "Print the raw JSON responses instead of the screen or receipt", Recursive = true });
        // One line, like every other usage error (AcceptOnlyFromAmong lists the values one per line).
        common.Agent.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } agent && !Brands.Contains(agent))
            {
                result.AddError($"--agent must be one of {string.Join(", ", Brands)} (got '{agent}')");
            }
        });

        var store = new Command("store", "Act as an Alfa store (POS) against the gateway's store endpoints");
        foreach (var option in new Option[] { common.Gateway, common.ClientId, common.SecretKey, common.Agent, common.Store, common.Terminal, common.TrxId, common.Json })
        {
            store.Options.Add(option);
        }
        store.Subcommands.Add(Inquiry(console, common));
        store.Subcommands.Add(Pay(console, common));
        store.Subcommands.Add(Reverse(console, common));
        return store;
    }

    private static Argument<string> CodeArgument() => new("code") { Description = "The payment code the customer shows" };

    private static Command Inquiry(CliConsole console, Common common)
    {
        var code = CodeArgument();
        var command = new Command("inquiry", "Look a payment code up, as the cashier does before taking the cash") { code };
        command.SetAction(async (parsed, ct) =>
        {
            var (client, at, trxId) = Open(parsed, common, console);
            using (client)
            {
                var inquiry = await client.InquireAsync(parsed.GetValue(code)!, at, trxId, console.Time.GetUtcNow(), ct);
                if (parsed.GetValue(common.Json))
                {
                    await console.Out.WriteLineAsync(inquiry.Raw);
                }
                else if (inquiry.IsSuccess)
                {
                    await console.Out.WriteAsync(Screen(inquiry.Json));
                }
                return await Outcome(console, inquiry);
            }
        });
        return command;
    }

    private static Command Pay(CliConsole console, Common common)
    {
        var code = CodeArgument();
        var amount = new Option<long?>("--amount") { Description = "Pay this amount instead of the one the inquiry gave (to try a wrong amount)" };
        var command = new Command("pay", "Inquire, then pay the code and print the receipt") { code, amount };
        command.SetAction(async (parsed, ct) =>
        {
            var (client, at, trxId) = Open(parsed, common, console);
            var json = parsed.GetValue(common.Json);
            using (client)
            {
                var paymentCode = parsed.GetValue(code)!;
                var inquiry = await client.InquireAsync(paymentCode, at, trxId, console.Time.GetUtcNow(), ct);
                await console.Out.WriteAsync(json ? inquiry.Raw + Environment.NewLine : inquiry.IsSuccess ? Screen(inquiry.Json) : "");
                if (!inquiry.IsSuccess)
                {
                    return await Outcome(console, inquiry);
                }

                var toPay = parsed.GetValue(amount) ?? inquiry.Json["order"]!["amount"]!.GetValue<long>();
                var date = console.Time.GetUtcNow();
                var payment = await client.PayAsync(paymentCode, at, trxId, date, toPay, ct);
                if (json)
                {
                    await console.Out.WriteLineAsync(payment.Raw);
                }
                else if (payment.IsSuccess)
                {
                    await console.Out.WriteAsync(Receipt(payment.Json, at, trxId, date));
                }
                return await Outcome(console, payment);
            }
        });
        return command;
    }

    private static Command Reverse(CliConsole console, Common common)
    {
        var code = CodeArgument();
        var command = new Command("reverse", "Reverse a payment made a moment ago (--trx-id of that payment is required)") { code };
        command.SetAction(async (parsed, ct) =>
        {
            if (parsed.GetResult(common.TrxId) is not { Implicit: false })
            {
                throw new CliError("reverse needs --trx-id: the trx_id of the payment to reverse");
            }
            var (client, _, trxId) = Open(parsed, common, console);
            using (client)
            {
                var reversal = await client.ReverseAsync(parsed.GetValue(code)!, trxId, console.Time.GetUtcNow(), ct);
                if (parsed.GetValue(common.Json))
                {
                    await console.Out.WriteLineAsync(reversal.Raw);
                }
                else if (reversal.IsSuccess)
                {
                    await console.Out.WriteLineAsync($"Reversed payment {reversal.Json["payment_id"]} (trx_id {trxId}); the code can be paid again.");
                }
                return await Outcome(console, reversal with { Status = reversal.Json["reason"]?.GetValue<string>() ?? reversal.Status });
            }
        });
        return command;
    }

    /// <summary>A refusal is one line on stderr and exit code 1.</summary>
    private static async Task<int> Outcome(CliConsole console, StoreReply reply)
    {
        if (reply.IsSuccess)
        {
            return Cli.Success;
        }
        await console.Error.WriteLineAsync(reply.Message is null ? $"refused: {reply.Status}" : $"refused: {reply.Status}: {reply.Message}");
        return Cli.Refused;
    }

    private static (StoreClient Client, StorePoint At, string TrxId) Open(ParseResult parsed, Common common, CliConsole console)
    {
        var gatewayText = parsed.GetValue(common.Gateway) ?? NonEmpty(console.Variable("TUNAI_GATEWAY_URL")) ?? "http://127.0.0.1:5080";
        if (!Uri.TryCreate(gatewayText, UriKind.Absolute, out var gateway) || gateway.Scheme is not ("http" or "https"))
        {
            throw new CliError($"--gateway must be an http(s) URL, e.g. http://127.0.0.1:5080 (got '{gatewayText}')");
        }
        var clientId = parsed.GetValue(common.ClientId) ?? NonEmpty(console.Variable("TUNAI_ACQUIRER_CLIENT_ID"));
        var secretKey = parsed.GetValue(common.SecretKey) ?? NonEmpty(console.Variable("TUNAI_ACQUIRER_SECRET_KEY"));
        if (clientId is null || secretKey is null)
        {
            var sandbox = SandboxEnv.Read(console.Folder);
            clientId ??= sandbox.GetValueOrDefault("TUNAI_ACQUIRER_CLIENT_ID");
            secretKey ??= sandbox.GetValueOrDefault("TUNAI_ACQUIRER_SECRET_KEY");
        }
        if (clientId is null || secretKey is null)
        {
            throw new CliError("no acquirer credentials: pass --client-id and --secret-key, set TUNAI_ACQUIRER_CLIENT_ID and " +
                $"TUNAI_ACQUIRER_SECRET_KEY, or run where {SandboxEnv.RelativePath} is (a sandbox gateway writes it)");
        }
        var at = new StorePoint(parsed.GetValue(common.Agent)!, parsed.GetValue(common.Store)!, parsed.GetValue(common.Terminal)!);
        var trxId = parsed.GetValue(common.TrxId) ?? NewTrxId(console.Time.GetUtcNow());
        return (new StoreClient(gateway, clientId, secretKey, console.Time), at, trxId);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string NewTrxId(DateTimeOffset now) =>
        $"ALFA-{now.ToOffset(Wib):yyyyMMdd}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";

    /// <summary>What the POS screen shows after a successful inquiry.</summary>
    private static string Screen(JsonNode inquiry)
    {
        var info = inquiry["online_to_offline_info"];
        var lines = new List<string>();
        // The merchant's lines: info (or info1), then info2 and info3, as the till shows them.
        foreach (var name in new[] { "info", "info2", "info3" })
        {
            if (info?[name]?.GetValue<string>() is { Length: > 0 } line)
            {
                lines.Add(line);
            }
        }
        lines.Add($"  Payment code  {info?["payment_code"]}");
        lines.Add($"  Invoice       {inquiry["order"]?["invoice_number"]}");
        lines.Add($"  Customer      {inquiry["customer"]?["name"]}");
        lines.Add($"  Amount        {Rupiah(inquiry["order"]!["amount"]!.GetValue<long>())}");
        lines.AddRange(Insurance(inquiry).Select(line => "  " + line));
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }

    /// <summary>
    /// additional_info.insurance_info, one line per member (<c>Policy number 9090901234</c>), for the screen and the
    /// receipt. The members are the merchant's to choose, so each is printed as it comes, control characters blanked.
    /// </summary>
    private static IEnumerable<string> Insurance(JsonNode answer)
    {
        if (answer["additional_info"]?["insurance_info"] is not JsonObject insurance)
        {
            yield break;
        }
        foreach (var (name, value) in insurance)
        {
            var label = name.Replace('_', ' ');
            label = label.Length == 0 ? label : char.ToUpperInvariant(label[0]) + label[1..];
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
            yield return Printable($"{label,-13} {text}");
        }
    }

    private static string Printable(string text) => new([.. text.Select(c => char.IsControl(c) ? ' ' : c)]);

    /// <summary>The printed receipt of a successful payment.</summary>
    private static string Receipt(JsonNode payment, StorePoint at, string trxId, DateTimeOffset date)
    {
        const string rule = "----------------------------------------";
        var lines = new List<string>
        {
            rule,
            $"{at.Agent}  store {at.Store}  terminal {at.Terminal}",
            date.ToOffset(Wib).ToString("dd-MM-yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " WIB",
            rule,
            $"Payment code  {payment["online_to_offline_info"]?["payment_code"]}",
            $"Invoice       {payment["order"]?["invoice_number"]}",
            $"Customer      {payment["customer"]?["name"]}",
            $"Amount        {Rupiah(payment["order"]!["amount"]!.GetValue<long>())}",
            $"Payment id    {payment["online_to_offline_payment"]?["payment_id"]}",
            $"Trx id        {trxId}",
            rule,
        };
        // Insurance data goes on the receipt as well as on the screen (the reference's insurance feature).
        var insurance = Insurance(payment).ToList();
        if (insurance.Count > 0)
        {
            lines.AddRange(insurance);
            lines.Add(rule);
        }
        if (payment["alfa_info"]?["receipt"]?["footer_message"]?.GetValue<string>() is { Length: > 0 } footer)
        {
            lines.Add(footer);
            lines.Add(rule);
        }
        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }

    /// <summary>Rupiah the way Indonesian receipts print it: Rp150.000 (dot for thousands, no decimals).</summary>
    internal static string Rupiah(long amount) =>
        "Rp" + amount.ToString("#,0", CultureInfo.InvariantCulture).Replace(',', '.');
}
