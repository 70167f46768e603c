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
                if (o.Mode is null)
                {
                    o.ListenUrls = ListenUrls(configuration);
                    if (o.ListenUrls.All(IsLoopback))
                    {
                        o.Mode = GatewayMode.Sandbox;
                    }
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TunaiOptions>, TunaiOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<TunaiOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    private const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Where Kestrel will listen: its configured endpoints, or --urls / ASPNETCORE_URLS, or the default.</summary>
    private static List<string> ListenUrls(IConfiguration configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"]).OfType<string>().ToList();
        if (endpoints.Count > 0)
        {
            return endpoints;
        }
        var urls = configuration["urls"];
        return string.IsNullOrWhiteSpace(urls)
            ? [DefaultUrl]
            : [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    /// <summary>localhost, 127.0.0.0/8 or ::1; a wildcard (*, +, 0.0.0.0, [::]) or any other host is not.</summary>
    private static bool IsLoopback(string url)
    {
        string host;
        try
        {
            host = BindingAddress.Parse(url).Host;
        }
        catch (FormatException)
        {
            return false;
        }
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
    }

    /// <summary>Listens on 127.0.0.1:5080 unless --urls, ASPNETCORE_URLS or configuration say otherwise.</summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        return builder;
    }
}
