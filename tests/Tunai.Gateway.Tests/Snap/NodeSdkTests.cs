using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>The provider's own Node.js SNAP SDK, unmodified, against the gateway: token, create, status, update, delete.</summary>
public sealed class NodeSdkTests
{
    [Fact]
    public async Task TheProvidersNodeSdkCreatesChecksUpdatesAndDeletesAStoreCode()
    {
        var node = NodeSnapSdk.Node();
        var modules = await NodeSnapSdk.InstallAsync();
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var customerNo = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exit, output) = await NodeSnapSdk.RunAsync(node, [Path.Combine(NodeSnapSdk.Scripts, "doku-sdk-client.cjs")], NodeSnapSdk.Scripts,
            new Dictionary<string, string>
            {
                ["NODE_PATH"] = modules,
                ["TUNAI_BASE_URL"] = gateway.BaseAddress.ToString().TrimEnd('/'),
                ["TUNAI_CLIENT_ID"] = snap.Merchant.ClientId,
                ["TUNAI_SECRET_KEY"] = snap.Merchant.SecretKey,
                ["TUNAI_SNAP_PRIVATE_KEY"] = snap.PrivateKey.ExportPkcs8PrivateKeyPem(),
                ["TUNAI_CODE_PREFIX"] = snap.Merchant.CodePrefix,
                ["TUNAI_CUSTOMER_NO"] = customerNo,
            });

        var steps = output.Split('\n').Where(l => l.StartsWith("{\"step\"", StringComparison.Ordinal))
            .Select(l => JsonNode.Parse(l)!).ToDictionary(s => (string)s["step"]!);
        Assert.True(exit == 0, $"the SDK failed (exit {exit}):\n{output}");
        Assert.Equal(["token", "create", "status", "update", "delete"], steps.Keys);
        Assert.Equal("2007300", (string)steps["token"]["response"]!["responseCode"]!);
        Assert.Equal("2002700", (string)steps["create"]["response"]!["responseCode"]!);
        Assert.Equal("ALFAMART", (string)steps["create"]["response"]!["virtualAccountData"]!["additionalInfo"]!["channel"]!);
        Assert.Equal("2002600", (string)steps["status"]["response"]!["responseCode"]!);
        Assert.Equal("2002800", (string)steps["update"]["response"]!["responseCode"]!);
        Assert.Equal("2003100", (string)steps["delete"]["response"]!["responseCode"]!);

        var code = snap.Merchant.CodePrefix + customerNo;
        var row = await gateway.RowAsync("SELECT kind, amount, status, customer_name FROM payment_codes WHERE code = $c", ("$c", code));
        Assert.Equal("MGPC", row["kind"]);
        Assert.Equal(175000L, row["amount"]);
        Assert.Equal("CANCELLED", row["status"]);
        Assert.Equal("Budi Santoso", row["customer_name"]);
    }
}
