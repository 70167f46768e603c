using Tunai.Merchant;
using Tunai.Merchant.AspNetCore;

namespace Tunai.SampleShop;

/// <summary>The shop's table of contents; tests build the same app.</summary>
public static class ShopApp
{
    public const string NotificationPath = "/payments/notifications";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Tunai:BaseUrl, Tunai:ClientId, Tunai:SecretKey from appsettings.json, env (Tunai__SecretKey) or the command line.
        builder.Services.AddTunaiMerchant(o => builder.Configuration.GetSection("Tunai").Bind(o));
        builder.Services.AddSingleton<OrderBook>();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapShop();
        app.MapTunaiNotifications(NotificationPath, (notification, ct) =>
        {
            app.Services.GetRequiredService<OrderBook>().Apply(notification);
            return Task.CompletedTask;
        });
        return app;
    }
}
