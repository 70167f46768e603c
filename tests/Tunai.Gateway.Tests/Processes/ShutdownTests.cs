using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// SIGTERM to a real gateway process while a store's inquiry waits on a merchant's Inquiry URL (a Kestrel endpoint
/// in the test that answers when the test lets it).
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class ShutdownTests
{
    [Fact]
    public async Task SigtermRefusesNewConnectionsFinishesTheRequestInFlightAndExits()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        await using var merchantSide = await MerchantEndpoint.StartAsync();
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        merchantSide.Handler = call =>
        {
            asked.TrySetResult();
            return MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { WaitFor = release.Task };
        };
        using var gateway = GatewayProcess.Start(folder.Path, "--shutdownTimeoutSeconds=30", "--Tunai:Store:DirectInquiryTimeout=00:00:50");
        await gateway.WaitUntilReadyAsync(ct);
        var (http, inquiry) = await InquiryInFlightAsync(gateway, merchantSide, ct);
        using var _ = http;
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

        Terminate(gateway);

        // The listening socket closes at once: a new connection is refused while the old request still runs.
        await Eventually.WaitAsync(async () =>
        {
            using var fresh = new HttpClient { BaseAddress = gateway.BaseAddress };
            try
            {
                using var response = await fresh.GetAsync("/healthz", ct);
                return false;
            }
            catch (HttpRequestException)
            {
                return true;
            }
        }, refused => refused, "new connections refused after SIGTERM");
        Assert.False(inquiry.IsCompleted, "the inquiry ended before the merchant answered");
        Assert.False(gateway.HasExited, "the gateway exited with a request in flight");

        release.SetResult();
        var answer = await inquiry;
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        Assert.Equal("success", TestStore.StatusOf(answer));
        Assert.Equal(0, await gateway.WaitForExitAsync(ct));
    }

    [Fact]
    public async Task SigtermExitsWithinTheConfiguredTimeEvenWhenARequestNeverFinishes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        await using var merchantSide = await MerchantEndpoint.StartAsync();
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        merchantSide.Handler = call =>
        {
            asked.TrySetResult();
            return MerchantReply.Success((string)call.Json["online_to_offline_info"]!["payment_code"]!) with { WaitFor = never.Task };
        };
        // The merchant would be given up on after 60 s; the gateway is told to give up waiting after 2.
        using var gateway = GatewayProcess.Start(folder.Path, "--shutdownTimeoutSeconds=2", "--Tunai:Store:DirectInquiryTimeout=00:01:00");
        await gateway.WaitUntilReadyAsync(ct);
        var (http, inquiry) = await InquiryInFlightAsync(gateway, merchantSide, ct);
        using var _ = http;
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

        Terminate(gateway);

        // Well before the merchant's timeout could end the request (a bound on behaviour, not a speed target).
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        await gateway.WaitForExitAsync(bound.Token);
        Assert.False(never.Task.IsCompleted);
        await Assert.ThrowsAnyAsync<Exception>(() => inquiry);
    }

    private static void Terminate(GatewayProcess gateway)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", gateway.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>
    /// Registers a direct-inquiry merchant whose Inquiry URL is <paramref name="merchantSide"/> and starts a store
    /// inquiry for a code under its prefix, signed as the sandbox's ALFA till; the inquiry waits on the merchant.
    /// </summary>
    private static async Task<(HttpClient Http, Task<ApiResponse> Inquiry)> InquiryInFlightAsync(
        GatewayProcess gateway, MerchantEndpoint merchantSide, CancellationToken ct)
    {
        var env = gateway.SandboxEnv();
        var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var admin = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/merchants")
        {
            Content = JsonContent.Create(new
            {
                name = "Toko DIPC",
                client_id = merchantSide.ClientId,
                secret_key = merchantSide.SecretKey,
                inquiry_url = merchantSide.InquiryUrl,
            }),
        };
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", env["TUNAI_ADMIN_TOKEN"]);
        using var created = await http.SendAsync(admin, ct);
        var merchant = JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!;
        Assert.True(created.StatusCode == HttpStatusCode.Created, merchant.ToJsonString());
        var prefix = (string)merchant["code_prefix"]!;
        var code = prefix + string.Concat(Enumerable.Range(0, 16 - prefix.Length).Select(_ => (char)('0' + Random.Shared.Next(10))));
        var inquiry = SignedHttp.SendAsync(http, env["TUNAI_ACQUIRER_CLIENT_ID"], env["TUNAI_ACQUIRER_SECRET_KEY"], HttpMethod.Post,
            TestStore.InquiryPath, Encoding.UTF8.GetBytes(TestStore.Body(code, TestStore.NewTrxId()).ToJsonString()));
        return (http, inquiry);
    }
}
