using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Merchant.Tests;

/// <summary>The SDK as a merchant's app has it: from DI, with its real retry and signing pipeline.</summary>
public sealed class SdkClient : IDisposable
{
    private readonly ServiceProvider _services;

    public SdkClient(GatewayHost gateway, TestMerchant merchant, Action<IHttpClientBuilder>? pipeline = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddTunaiMerchant(o =>
        {
            o.BaseUrl = gateway.BaseAddress.ToString();
            o.ClientId = merchant.ClientId;
            o.SecretKey = merchant.SecretKey;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
        });
        pipeline?.Invoke(builder);
        _services = services.BuildServiceProvider(validateScopes: true);
        Client = _services.GetRequiredService<TunaiMerchantClient>();
    }

    public TunaiMerchantClient Client { get; }

    public void Dispose() => _services.Dispose();
}

/// <summary>A merchant web app on Kestrel, 127.0.0.1, port 0 read back once bound, with the SDK's endpoints mapped by the test.</summary>
public sealed class MerchantApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MerchantApp(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public string ClientId { get; private init; } = "";

    public string SecretKey { get; private init; } = "";

    /// <param name="map">Maps the app's endpoints.</param>
    /// <param name="baseUrl">The gateway the SDK's client calls.</param>
    /// <param name="credentials">The merchant's Client-Id, secret key and previous key; new ones (no previous key) when null.</param>
    public static async Task<MerchantApp> StartAsync(Action<WebApplication> map, string? baseUrl = null,
        (string ClientId, string SecretKey, string? PreviousSecretKey)? credentials = null)
    {
        var clientId = credentials?.ClientId ?? "MCH-SDK-" + Guid.NewGuid().ToString("N")[..12];
        var secret = credentials?.SecretKey ?? "SK-" + Guid.NewGuid().ToString("N");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddTunaiMerchant(o =>
        {
            o.BaseUrl = baseUrl ?? "http://127.0.0.1:1";
            o.ClientId = clientId;
            o.SecretKey = secret;
            o.PreviousSecretKey = credentials?.PreviousSecretKey;
        });
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MerchantApp(app, new Uri(address)) { ClientId = clientId, SecretKey = secret };
    }

    /// <summary>Registers this app as a merchant on the gateway with its credentials and URLs.</summary>
    public Task<TestMerchant> RegisterAsync(GatewayHost gateway, string? inquiryPath = null, string? notificationPath = null) =>
        gateway.CreateMerchantAsync(new
        {
            name = "Toko SDK",
            client_id = ClientId,
            secret_key = SecretKey,
            inquiry_url = inquiryPath is null ? null : new Uri(BaseAddress, inquiryPath).ToString(),
            notification_url = notificationPath is null ? null : new Uri(BaseAddress, notificationPath).ToString(),
        });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
