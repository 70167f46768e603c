using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
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

    /// <summary>
    /// The SDK's merchant-side helpers accept what Tunai sends a merchant speaking SNAP: validateSignature Tunai's token
    /// request (with Tunai's public key), validateTokenB2B the Bearer token the SDK itself issued, and
    /// validateSymmetricSignature the notification's signature, which it checks against the token the SDK obtained from
    /// Tunai: the merchant chose snap_signature_token ISSUED_TOKEN for it. Its numeric responseCode counts as delivered.
    /// </summary>
    [Fact]
    public async Task TheProvidersNodeSdkMerchantHelpersAcceptTunaisTokenRequestAndNotification()
    {
        var node = NodeSnapSdk.Node();
        var modules = await NodeSnapSdk.InstallAsync();
        await using var gateway = await GatewayHost.StartAsync();
        using var snap = await SnapMerchant.CreateAsync(gateway);
        var store = await TestStore.CreateAsync(gateway);
        var clientId = snap.Merchant.ClientId;
        // Before the SDK asks Tunai for its token, so Tunai keeps that token to sign with.
        Assert.Equal(HttpStatusCode.OK, (await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{clientId}",
            new { snap_signature_token = "ISSUED_TOKEN" })).StatusCode);
        var gatewayKey = await gateway.Http.GetStringAsync("/snap/public-key");

        var start = new ProcessStartInfo(node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = NodeSnapSdk.Scripts };
        start.ArgumentList.Add(Path.Combine(NodeSnapSdk.Scripts, "doku-sdk-merchant.cjs"));
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["NODE_PATH"] = modules,
            ["TUNAI_BASE_URL"] = gateway.BaseAddress.ToString().TrimEnd('/'),
            ["TUNAI_CLIENT_ID"] = clientId,
            ["TUNAI_SECRET_KEY"] = snap.Merchant.SecretKey,
            ["TUNAI_SNAP_PRIVATE_KEY"] = snap.PrivateKey.ExportPkcs8PrivateKeyPem(),
            ["TUNAI_SNAP_PUBLIC_KEY"] = snap.PrivateKey.ExportSubjectPublicKeyInfoPem(),
            ["TUNAI_SNAP_GATEWAY_PUBLIC_KEY"] = gatewayKey,
        })
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var lines = Channel.CreateUnbounded<string>();
        var everything = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (everything)
                {
                    everything.AppendLine(line);
                }
                if (line.StartsWith("{\"step\"", StringComparison.Ordinal))
                {
                    lines.Writer.TryWrite(line);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (everything)
            {
                everything.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var within = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            async Task<JsonNode> Step(string name)
            {
                while (true)
                {
                    var step = JsonNode.Parse(await lines.Reader.ReadAsync(within.Token))!;
                    Assert.True((string)step["step"]! != "error", $"the SDK failed: {step}\n{everything}");
                    if ((string)step["step"]! == name)
                    {
                        return step;
                    }
                }
            }
            Assert.True((bool)(await Step("sdk-token"))["ok"]!);
            var port = (int)(await Step("listening"))["port"]!;
            var patched = await gateway.Admin.PatchAsJsonAsync($"/admin/v1/merchants/{clientId}", new
            {
                notification_protocol = "SNAP",
                snap_token_url = $"http://127.0.0.1:{port}/v1.0/access-token/b2b",
                snap_notification_url = $"http://127.0.0.1:{port}/v1.0/transfer-va/payment",
            });
            Assert.True(patched.StatusCode == HttpStatusCode.OK, await patched.Content.ReadAsStringAsync());
            var (code, _) = await snap.Merchant.CreateCodeAsync();
            Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);

            Assert.True((bool)(await Step("token"))["signatureValid"]!, $"validateSignature refused Tunai's token request\n{everything}");
            var notification = await Step("notification");
            Assert.True((bool)notification["tokenValid"]!, $"validateTokenB2B refused the Bearer token\n{notification}");
            Assert.True((bool)notification["signatureValid"]!, $"validateSymmetricSignature refused the signature\n{notification}");
            Assert.Equal(2002700, (int)notification["response"]!["responseCode"]!);
            Assert.Equal(code[snap.Merchant.CodePrefix.Length..], (string)notification["body"]!["customerNo"]!);
            var delivered = await Eventually.WaitAsync(
                () => gateway.CountAsync("SELECT count(*) FROM notifications WHERE status = 'DELIVERED'"), n => n == 1, "the notification delivered");
            Assert.Equal(1L, delivered);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
