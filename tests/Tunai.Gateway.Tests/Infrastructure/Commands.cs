using System.Diagnostics;
using Tunai.Gateway.Tests.Processes;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>System commands a test runs to set the scene (mount, chattr, pg_ctl): each must succeed.</summary>
public static class Commands
{
    public static async Task RunAsync(string[] command, CancellationToken ct)
    {
        var (exitCode, stdout, stderr) = await GatewayProcess.RunAsync(new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        }, ct);
        Assert.True(exitCode == 0, $"{string.Join(' ', command)} exited with {exitCode}\n{stdout}\n{stderr}");
    }
}
