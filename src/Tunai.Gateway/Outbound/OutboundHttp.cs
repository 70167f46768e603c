using System.Net;
using System.Net.Sockets;
using Tunai.Gateway.Configuration;

namespace Tunai.Gateway.Outbound;

/// <summary>An outbound connection refused because the address it resolved to is not public.</summary>
public sealed class OutboundAddressRefusedException(string message) : HttpRequestException(message);

/// <summary>
/// The one HTTP handler for calls the gateway makes to merchants (notifications, direct inquiry). The address
/// is checked when connecting, after DNS resolution, so a name that resolves to a private address later
/// (DNS rebinding) is still refused. Redirects are never followed.
/// </summary>
public static class OutboundHttp
{
    public const string ClientName = "outbound";

    public static IServiceCollection AddOutboundHttp(this IServiceCollection services)
    {
        services.AddHttpClient(ClientName).UseOutboundHandler().ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        return services;
    }

    /// <summary>Every client that calls merchants goes through the same checked handler.</summary>
    public static IHttpClientBuilder UseOutboundHandler(this IHttpClientBuilder builder) =>
        builder.ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(AllowsPrivate(sp.GetRequiredService<TunaiOptions>())));

    public static bool AllowsPrivate(TunaiOptions options) => options.Outbound.AllowPrivateNetworks ?? options.IsSandbox;

    public static SocketsHttpHandler CreateHandler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
            var usable = addresses.Where(a => allowPrivate || IsPublic(a)).ToArray();
            if (usable.Length == 0)
            {
                throw new OutboundAddressRefusedException(
                    $"{host} resolves to a non-public address ({string.Join(", ", addresses.Select(a => a.ToString()))}); set Tunai:Outbound:AllowPrivateNetworks to allow it");
            }
            Exception? last = null;
            foreach (var address in usable)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                }
            }
            throw last!;
        },
    };

    /// <summary>False for loopback, private, shared, link-local, multicast, documentation and reserved ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address))
        {
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 198 && b[1] is 18 or 19)
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xfe) == 0xfc                       // unique local fc00::/7
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)); // documentation 2001:db8::/32
        }
        return false;
    }
}
