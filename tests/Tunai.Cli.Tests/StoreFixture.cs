using System.Net;
using System.Net.Http.Json;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Cli.Tests;

/// <summary>A real gateway with one merchant (who creates codes) and one acquirer (whose credentials the CLI uses).</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public TestMerchant Merchant { get; private set; } = null!;

    public string AcquirerClientId { get; private set; } = null!;

    public string AcquirerSecretKey { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync();
        Merchant = await Gateway.CreateMerchantAsync();
        var response = await Gateway.Admin.PostAsJsonAsync("/admin/v1/acquirers", new { id = "ALFA2", name = "x" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var json = GatewayHost.Json(text);
        AcquirerClientId = (string)json["client_id"]!;
        AcquirerSecretKey = (string)json["secret_key"]!;
    }

    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}
