using System.Net;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Chaos;

/// <summary>The three kinds of merchant a run pays: no fee and one-off codes; a fee and split settlement; reusable codes.</summary>
internal enum MerchantKind
{
    Plain,
    Split,
    Reusable,
}

/// <summary>
/// A merchant of the run, with its notification receiver (a <see cref="MerchantEndpoint"/>: it records every
/// notification and checks its signature). Its prices and splits are fixed here, and <see cref="Expected"/> works
/// out each payment's postings from them by docs/money.md's rules, independently of the gateway's code.
/// </summary>
internal sealed class ChaosMerchant(MerchantKind kind, MerchantEndpoint endpoint)
{
    // The split merchant: Rp 1,000 + 0.70 % per payment; Rp 20,000 to one bank account, 10 % of the net to another,
    // the rest to an outlet. The reusable merchant: Rp 2,500 per payment. The store network keeps Rp 1,500 of each.
    public const long AcquirerCost = 1500;
    public const string AcquirerCode = "CHAOS";
    private const long SplitFixed = 1000;
    private const long SplitPercentHundredths = 70;
    private const long ReusableFixed = 2500;
    private const long FixShare = 20000;
    private const long PercentShare = 10;
    private const string FixAccount = "SBA-0001-111";
    private const string PercentAccount = "SBA-0002-222";
    private const string Outlet = "SAC-0001-333";

    public static async Task<ChaosMerchant> CreateAsync(Cluster cluster, MerchantKind kind, CancellationToken ct)
    {
        var endpoint = await MerchantEndpoint.StartAsync();
        endpoint.Handler = _ => MerchantReply.Ok();
        var merchant = new ChaosMerchant(kind, endpoint);
        await Admin(cluster, HttpMethod.Post, "/admin/v1/merchants", new
        {
            name = $"Chaos {kind}",
            client_id = endpoint.ClientId,
            secret_key = endpoint.SecretKey,
            notification_url = endpoint.NotificationUrl,
        }, ct);
        var path = $"/admin/v1/merchants/{endpoint.ClientId}";
        switch (kind)
        {
            case MerchantKind.Split:
                await Admin(cluster, HttpMethod.Patch, path, new { fee = new { @fixed = SplitFixed, percent = "0.70" } }, ct);
                await Admin(cluster, HttpMethod.Post, path + "/settlement-accounts",
                    new { id = FixAccount, bank_code = "014", account_number = "1110000001", account_name = "PT Chaos Satu" }, ct);
                await Admin(cluster, HttpMethod.Post, path + "/settlement-accounts",
                    new { id = PercentAccount, bank_code = "008", account_number = "2220000002", account_name = "CV Chaos Dua" }, ct);
                await Admin(cluster, HttpMethod.Post, path + "/sub-accounts", new { id = Outlet, name = "Outlet Chaos" }, ct);
                break;
            case MerchantKind.Reusable:
                await Admin(cluster, HttpMethod.Patch, path, new { fee = new { @fixed = ReusableFixed } }, ct);
                break;
        }
        return merchant;
    }

    /// <summary>The store network the tills belong to, with its cost per payment; returns its credentials.</summary>
    public static async Task<(string ClientId, string SecretKey)> CreateAcquirerAsync(Cluster cluster, CancellationToken ct)
    {
        var created = await Admin(cluster, HttpMethod.Post, "/admin/v1/acquirers", new { id = AcquirerCode, name = "Chaos Tills" }, ct);
        await Admin(cluster, HttpMethod.Patch, $"/admin/v1/acquirers/{AcquirerCode}", new { cost = new { @fixed = AcquirerCost } }, ct);
        return ((string)created!["client_id"]!, (string)created["secret_key"]!);
    }

    private static async Task<JsonNode?> Admin(Cluster cluster, HttpMethod method, string path, object body, CancellationToken ct)
    {
        var (status, json) = await cluster.AdminAsync(method, path, body, ct);
        if (status is not (HttpStatusCode.OK or HttpStatusCode.Created))
        {
            throw new InvalidOperationException($"{method} {path}: {(int)status} {json?.ToJsonString()}");
        }
        return json;
    }

    /// <summary>A create body for this merchant's kind of code.</summary>
    public JsonObject CreateBody(long amount)
    {
        var body = new JsonObject
        {
            ["order"] = new JsonObject { ["invoice_number"] = "CHAOS-" + Guid.NewGuid().ToString("N")[..20], ["amount"] = amount },
            ["online_to_offline_info"] = new JsonObject
            {
                ["expired_time"] = 120, ["reusable_status"] = kind == MerchantKind.Reusable, ["info"] = "Chaos Store",
            },
            ["customer"] = new JsonObject { ["name"] = "Chaos Customer", ["email"] = "chaos@example.com" },
        };
        if (kind == MerchantKind.Split)
        {
            body["additional_info"] = new JsonObject
            {
                ["account"] = new JsonObject { ["id"] = Outlet },
                ["settlement"] = new JsonArray(
                    new JsonObject { ["bank_account_settlement_id"] = FixAccount, ["value"] = FixShare, ["type"] = "FIX" },
                    new JsonObject { ["bank_account_settlement_id"] = PercentAccount, ["value"] = PercentShare, ["type"] = "PERCENTAGE" }),
            };
        }
        return body;
    }

    /// <summary>
    /// The postings one payment of <paramref name="amount"/> must write, per account (positive: debit):
    /// fee = fixed + round_half_up(amount × percent / 100); net = amount − fee; FIX shares, then
    /// floor(net × value / 100) per PERCENTAGE share, the remainder to the outlet or the merchant's balance.
    /// </summary>
    public IReadOnlyDictionary<string, long> Expected(long amount)
    {
        var fee = kind switch
        {
            MerchantKind.Split => SplitFixed + (amount * SplitPercentHundredths + 5000) / 10000,
            MerchantKind.Reusable => ReusableFixed,
            _ => 0,
        };
        var net = amount - fee;
        var lines = new Dictionary<string, long>
        {
            [$"acquirer:{AcquirerCode}:receivable"] = amount - AcquirerCost,
            [$"acquirer:{AcquirerCode}:cost"] = AcquirerCost,
        };
        if (fee != 0)
        {
            lines["operator:fee_revenue"] = -fee;
        }
        if (kind == MerchantKind.Split)
        {
            var percent = net * PercentShare / 100;
            lines[$"merchant:{ClientId}:settlement:{FixAccount}"] = -FixShare;
            lines[$"merchant:{ClientId}:settlement:{PercentAccount}"] = -percent;
            lines[$"merchant:{ClientId}:sub:{Outlet}"] = -(net - FixShare - percent);
        }
        else
        {
            lines[$"merchant:{ClientId}:balance"] = -net;
        }
        return lines;
    }

    public MerchantKind Kind => kind;

    public MerchantEndpoint Endpoint => endpoint;

    public string ClientId => endpoint.ClientId;

    public string SecretKey => endpoint.SecretKey;
}
