using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Store;

/// <summary>A gateway with a merchant and a store (acquirer) for the tests of a class.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public GatewayHost Gateway { get; private set; } = null!;

    public TestMerchant Merchant { get; private set; } = null!;

    public TestStore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await GatewayHost.StartAsync();
        Merchant = await Gateway.CreateMerchantAsync(new { name = "Toko Store Tests" });
        Store = await TestStore.CreateAsync(Gateway);
    }

    public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
}
