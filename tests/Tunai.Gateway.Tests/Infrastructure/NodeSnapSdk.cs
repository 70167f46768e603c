using System.Diagnostics;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// Node.js and the provider's SNAP SDK (npm <c>doku-nodejs-library</c> 1.0.52, unmodified), installed by npm into
/// the test output (never committed) the first time a test needs it. Without node or npm, or when npm cannot reach
/// its registry, the test is skipped (failed under <c>TUNAI_REQUIRE_ALL=1</c>).
/// </summary>
public static class NodeSnapSdk
{
    public const string Package = "doku-nodejs-library";
    public const string Version = "1.0.52";

    private static readonly SemaphoreSlim Installing = new(1, 1);

    /// <summary>The folder of the test's node scripts (copied to the output).</summary>
    public static string Scripts => Path.Combine(AppContext.BaseDirectory, "snap-node");

    /// <summary>The node executable, or the test is skipped.</summary>
    public static string Node() =>
        ExternalTool.Locate("node") ?? Unavailable<string>("node", "install Node.js 18 or later (apt-get install -y nodejs npm)");

    /// <summary>The node_modules folder holding the SDK, installed on first use.</summary>
    public static async Task<string> InstallAsync()
    {
        Node();
        var npm = ExternalTool.Locate("npm") ?? Unavailable<string>("npm", "install npm (apt-get install -y npm)");
        var prefix = Path.Combine(Scripts, "sdk");
        var modules = Path.Combine(prefix, "node_modules");
        var manifest = Path.Combine(modules, Package, "package.json");
        await Installing.WaitAsync();
        try
        {
            if (File.Exists(manifest) && File.ReadAllText(manifest).Contains($"\"version\": \"{Version}\"", StringComparison.Ordinal))
            {
                return modules;
            }
            Directory.CreateDirectory(prefix);
            var (exit, output) = await RunAsync(npm, ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", prefix, $"{Package}@{Version}"], prefix);
            if (exit != 0 || !File.Exists(manifest))
            {
                Unavailable<string>($"{Package}@{Version} from npm", $"npm install failed (exit {exit}): {output.Trim()[..Math.Min(600, output.Trim().Length)]}");
            }
            return modules;
        }
        finally
        {
            Installing.Release();
        }
    }

    /// <summary>Runs a process to its end (at most two minutes): its exit code and what it wrote (stdout, then stderr).</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null, string? stdin = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in two minutes: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static T Unavailable<T>(string name, string how)
    {
        ExternalTool.Unavailable(name, how);
        return default!;
    }
}
