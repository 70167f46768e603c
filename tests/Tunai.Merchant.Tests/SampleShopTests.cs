using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.SampleShop;

namespace Tunai.Merchant.Tests;

/// <summary>The sample shop end to end: order, code from the gateway, paid at the store, notified, marked paid.</summary>
public sealed class SampleShopTests
{
    [Fact]
    public async Task AnOrderPaidAtTheStoreIsMarkedPaidByTheNotification()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHost.StartAsync();
        var store = await TestStore.CreateAsync(gateway);
        var clientId = "MCH-SHOP-" + Guid.NewGuid().ToString("N")[..10];
        var secret = "SK-" + Guid.NewGuid().ToString("N");
        await using var shop = ShopApp.Build([
            "--urls=http://127.0.0.1:0",
            $"--Tunai:BaseUrl={gateway.BaseAddress}",
            $"--Tunai:ClientId={clientId}",
            $"--Tunai:SecretKey={secret}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await shop.StartAsync(ct);
        var shopUrl = new Uri(shop.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await gateway.CreateMerchantAsync(new
        {
            name = "Tunai Sample Shop",
            client_id = clientId,
            secret_key = secret,
            notification_url = new Uri(shopUrl, ShopApp.NotificationPath).ToString(),
        });
        using var browser = new HttpClient { BaseAddress = shopUrl };

        using var placed = await browser.PostAsync("/orders", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["item"] = "Kopi Susu", ["amount"] = "25000", ["customer_name"] = "Siti Nurhaliza",
        }), ct);
        var orderPage = await placed.Content.ReadAsStringAsync(ct);
        var orderPath = placed.RequestMessage!.RequestUri!.AbsolutePath;
        var order = GatewayHost.Json(await browser.GetStringAsync("/api" + orderPath, ct));
        var code = (string)order["paymentCode"]!;
        Assert.Equal("AwaitingPayment", (string)order["state"]!);
        Assert.Contains(code, orderPage, StringComparison.Ordinal);
        Assert.Contains((string)order["howToPayPage"]!, orderPage, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 25000)).Status);

        await Eventually.WaitAsync(async () => GatewayHost.Json(await browser.GetStringAsync("/api" + orderPath, ct)),
            o => (string?)o["state"] == "Paid", "the order to be marked paid");
        Assert.Contains("Paid", await browser.GetStringAsync(orderPath, ct), StringComparison.Ordinal);
    }

    /// <summary>The shop as a newcomer first runs it, before copying the sandbox's credentials: one line, not a crash (exit 134).</summary>
    [Fact]
    public async Task WithoutCredentialsTheShopSaysWhichSettingsToGiveInOneLine()
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Tunai.SampleShop.dll"), "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("TUNAI", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 1, $"exit code {process.ExitCode}\n{output}");
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sample shop: configuration error: Tunai ClientId is required; Tunai SecretKey is required; set Tunai:ClientId and Tunai:SecretKey", line,
            StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
