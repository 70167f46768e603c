using System.Net;
using System.Net.Sockets;

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

    /// <summary>
    /// The client for a notification to an override URL outside the merchant's notification origins (a sandbox accepts
    /// any public origin, <see cref="Merchants.NotificationOrigins"/>): public addresses only, whatever
    /// Tunai:Outbound:AllowPrivateNetworks says.
    /// </summary>
    public const string PublicOnlyClientName = "outbound-public-only";

    public static IServiceCollection AddOutboundHttp(this IServiceCollection services)
    {
        services.AddHttpClient(ClientName).UseOutboundHandler().ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient(PublicOnlyClientName).ConfigurePrimaryHttpMessageHandler(() => CreateHandler(allowPrivate: false))
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        return services;
    }

    /// <summary>The client for a notification to <paramref name="uri"/>: public addresses only for an override outside the merchant's origins.</summary>
    public static string ClientFor(Merchants.Merchant merchant, Uri uri, bool isOverride) =>
        isOverride && !Merchants.NotificationOrigins.Allows(merchant, uri) ? PublicOnlyClientName : ClientName;

    /// <summary>Every client that calls merchants goes through the same checked handler.</summary>
    public static IHttpClientBuilder UseOutboundHandler(this IHttpClientBuilder builder) =>
        builder.ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(AllowsPrivate(sp.GetRequiredService<TunaiOptions>())));

    private const string NonPublic = "resolves to a non-public address";

    /// <summary>
    /// A delivery error as a merchant's own user may read it. The operator's copy names the addresses the host
    /// resolved to; shown to a merchant, who chooses the URL, it would answer what any internal name resolves to.
    /// </summary>
    public static string? AsMerchantSees(string? error) =>
        error is not null && error.Contains(NonPublic, StringComparison.Ordinal) ? $"the host {NonPublic}" : error;

    /// <summary>A merchant's answer read whole, or null when it is longer than <paramref name="max"/> bytes.</summary>
    public static async Task<byte[]?> ReadCappedAsync(HttpContent content, int max, CancellationToken ct)
    {
        if (content.Headers.ContentLength > max)
        {
            return null;
        }
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public static bool AllowsPrivate(TunaiOptions options) => options.Outbound.AllowPrivateNetworks ?? options.IsSandbox;

    public static SocketsHttpHandler CreateHandler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        // A proxy from the environment (HTTP_PROXY, ALL_PROXY) would make the connection below go to the proxy, so
        // the address check would see the proxy's address and never the merchant's.
        UseProxy = false,
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
                    $"{host} {NonPublic} ({string.Join(", ", addresses.Select(a => a.ToString()))}); set Tunai:Outbound:AllowPrivateNetworks to allow it");
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

    /// <summary>
    /// False for loopback, private, shared, link-local, multicast, documentation and reserved ranges. IPv6 must be
    /// global unicast (2000::/3) outside the special ranges; an IPv4 address carried inside IPv6 (mapped, NAT64 64:ff9b::/96,
    /// 6to4 2002::/16) is checked as itself, and the forms whose route cannot be told (IPv4-compatible ::a.b.c.d,
    /// translated ::ffff:0:a.b.c.d, local NAT64 64:ff9b:1::/48, Teredo 2001::/32) are refused.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsPublicIPv4(address.GetAddressBytes());
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        var b = address.GetAddressBytes();
        // NAT64 well-known prefix 64:ff9b::/96: the last four bytes are the IPv4 destination.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicIPv4(b[12..16]);
        }
        // 6to4 2002:a.b.c.d::/48: bytes 2-5 are the IPv4 relay the packets go through.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicIPv4(b[2..6]);
        }
        if ((b[0] & 0xe0) != 0x20)
        {
            return false; // not global unicast: ::, ::1, ::a.b.c.d, ::ffff:0:a.b.c.d, 64:ff9b:1::/48, fc00::/7, fe80::/10, ff00::/8...
        }
        return !((b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)           // 2001::/23 protocol assignments, Teredo 2001::/32 among them
            || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // documentation 2001:db8::/32
            || (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0x00));     // documentation 3fff::/20
    }

    private static bool IsPublicIPv4(byte[] b) =>
        !(b[0] is 0 or 10 or 127 or >= 224
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
            || (b[0] == 192 && b[1] == 88 && b[2] == 99)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 198 && b[1] is 18 or 19)
            || (b[0] == 198 && b[1] == 51 && b[2] == 100)
            || (b[0] == 203 && b[1] == 0 && b[2] == 113));
}
