using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// The gateway logs at the level its configuration gives (Information as shipped), whatever filter its start adds:
/// a filter that matched every category once stood in for <c>Logging:LogLevel:Default</c>, and every request then
/// wrote a debug entry (the back office's cookie scheme saying it found no session).
/// </summary>
[Collection(nameof(GatewayProcess))]
public sealed class LogLevelTests
{
    private static async Task<string> OutputAfterRequestsAsync(params string[] args)
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempFolder();
        using var gateway = GatewayProcess.Start(folder.Path, ["--Tunai:PrintSandboxCredentials=false", .. args]);
        await gateway.WaitUntilReadyAsync(ct);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        for (var i = 0; i < 3; i++)
        {
            (await http.GetAsync(new Uri("/readyz", UriKind.Relative), ct)).Dispose();
            (await http.GetAsync(new Uri("/admin/v1/merchants", UriKind.Relative), ct)).Dispose();
        }
        gateway.Terminate();
        await gateway.WaitForExitAsync(ct);
        return gateway.Output();
    }

    [Fact]
    public async Task AsShippedNoDebugEntryIsWritten()
    {
        var output = await OutputAfterRequestsAsync();

        Assert.Contains("info: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("dbug: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("trce: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DebugEntriesAreWrittenWhenTheConfigurationAsksForThem()
    {
        var output = await OutputAfterRequestsAsync("--Logging:LogLevel:Default=Debug");

        Assert.Contains("dbug: Tunai.Gateway.BackOffice.SessionAuthentication", output, StringComparison.Ordinal);
    }
}
