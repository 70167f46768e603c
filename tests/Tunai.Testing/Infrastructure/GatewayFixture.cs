namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>One gateway (and one merchant) shared by the tests of a class; tests that move the clock start their own.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public TestMerchant Merchant { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync();
        Merchant = await Gateway.CreateMerchantAsync(new { name = "Toko Fixture", notification_url = "https://shop.example.com/payments/notifications" });
    }

    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}
