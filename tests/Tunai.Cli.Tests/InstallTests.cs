using System.Diagnostics;

namespace Tunai.Cli.Tests;

/// <summary><c>scripts/install-cli.sh</c> packs the repository's <c>tunai</c> as a .NET tool and installs it where asked.</summary>
public sealed class InstallTests
{
    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));

    [Fact]
    public async Task TheInstallScriptPutsATunaiCommandInTheToolPathThatRuns()
    {
        var tools = Directory.CreateTempSubdirectory("tunai-tools-").FullName;
        try
        {
            var (code, output) = await RunAsync(Path.Combine(Repository(), "scripts", "install-cli.sh"), "--tool-path", tools, "--no-build");
            Assert.True(code == 0, output);
            var tunai = Path.Combine(tools, "tunai");
            Assert.True(File.Exists(tunai), output);

            var (versionCode, version) = await RunAsync(tunai, "--version");
            Assert.True(versionCode == 0, version);
            Assert.Matches(@"^\d+\.\d+\.\d+", version.Trim());
            var (helpCode, help) = await RunAsync(tunai, "--help");
            Assert.True(helpCode == 0, help);
            Assert.Contains("operators", help, StringComparison.Ordinal);
            Assert.Contains("store", help, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(tools, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository() };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
