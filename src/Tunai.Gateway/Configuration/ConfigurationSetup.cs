using Microsoft.Extensions.Options;

namespace Tunai.Gateway.Configuration;

public static class ConfigurationSetup
{
    public static IServiceCollection AddTunaiOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TunaiOptions>()
            .Bind(configuration.GetSection(TunaiOptions.Section))
            .PostConfigure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.AdminToken))
                {
                    o.AdminToken = configuration["TUNAI_ADMIN_TOKEN"];
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TunaiOptions>, TunaiOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<TunaiOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>Listens on 127.0.0.1:5080 unless --urls, ASPNETCORE_URLS or configuration say otherwise.</summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:5080");
        }
        return builder;
    }
}
