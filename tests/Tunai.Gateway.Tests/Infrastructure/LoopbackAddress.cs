using System.Net;
using System.Net.Sockets;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// Clients that reach the gateway from a chosen loopback address (127.0.0.2, 127.0.0.3, ...): the socket's local
/// end is bound before it connects, so the gateway sees that address as the client's, as it would see two machines.
/// Linux routes the whole of 127.0.0.0/8 to the loopback interface.
/// </summary>
public static class LoopbackAddress
{
    public static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");
    public static readonly IPAddress Honest = IPAddress.Parse("127.0.0.3");

    /// <summary>A handler whose connections leave from <paramref name="local"/>.</summary>
    public static SocketsHttpHandler Handler(IPAddress local) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                var target = IPAddress.Parse(context.DnsEndPoint.Host);
                await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public static HttpClient Client(IPAddress local, Uri baseAddress) => new(Handler(local)) { BaseAddress = baseAddress };
}
