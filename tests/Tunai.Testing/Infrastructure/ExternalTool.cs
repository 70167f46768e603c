using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// Programs from Debian packages that some tests drive (chromium, zbarimg). They are never downloaded by
/// the tests: a missing one skips the test locally, and fails it when <c>TUNAI_REQUIRE_ALL=1</c> so that CI
/// cannot go green by skipping.
/// </summary>
public static class ExternalTool
{
    public const string InstallHint = "apt-get install -y chromium zbar-tools";

    /// <summary>The full path of <paramref name="name"/> as the shell finds it, or null.</summary>
    public static string? Locate(string name)
    {
        using var shell = Process.Start(new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", "command -v \"$1\"", "sh", name },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        if (shell is null)
        {
            return null;
        }
        var path = shell.StandardOutput.ReadToEnd().Trim();
        shell.WaitForExit();
        return shell.ExitCode == 0 && Path.IsPathRooted(path) ? path : null;
    }

    /// <summary>Skips the current test, or fails it when every test is required to run.</summary>
    [DoesNotReturn]
    public static void Unavailable(string name, string? howToGetIt = null)
    {
        var message = $"{name} is not available; {howToGetIt ?? "install it with: " + InstallHint}";
        if (Environment.GetEnvironmentVariable("TUNAI_REQUIRE_ALL") == "1")
        {
            Assert.Fail(message + " (TUNAI_REQUIRE_ALL=1, so this test may not be skipped)");
        }
        Assert.Skip(message);
    }
}
