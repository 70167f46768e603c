using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// The gateway as a user runs it: <c>dotnet Tunai.Gateway.dll --urls http://127.0.0.1:0</c> in a working
/// directory of its own, with the real clock. The operating system picks the port as Kestrel binds it, and the
/// gateway's own "Now listening on" line says which, so no other process can take it in between. Killed (the whole
/// process tree) on dispose if still running.
/// </summary>
public sealed partial class GatewayProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly System.Diagnostics.Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private Uri? _baseAddress;

    private GatewayProcess(System.Diagnostics.Process process, string folder)
    {
        _process = process;
        Folder = folder;
    }

    /// <summary>A master key for gateways started in Production without a test database of their own (openssl rand -base64 32).</summary>
    public const string MasterKey = "8WM6/DxBWhR1EPBsa0rQEMngPchlN8UI2iiKITPfv2U=";

    /// <summary>Next to the test assembly: the test project references the gateway, so its build output is copied here.</summary>
    public static string GatewayDll => Path.Combine(AppContext.BaseDirectory, "Tunai.Gateway.dll");

    public string Folder { get; }

    /// <summary>Where the gateway listens, as it said itself; known once <see cref="WaitUntilReadyAsync"/> returned.</summary>
    public Uri BaseAddress => _baseAddress
        ?? throw new InvalidOperationException("The gateway's address is known once it listens: await WaitUntilReadyAsync first");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the gateway in <paramref name="folder"/> on a port of the system's choosing; <paramref name="args"/> come after --urls.</summary>
    public static GatewayProcess Start(string folder, params string[] args) => Start(folder, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Start(string, string[])"/>, with environment variables set for the process.</summary>
    public static GatewayProcess Start(string folder, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // The "Now listening on" line is how the port is learnt, so its category logs at Information whatever else
        // the test turns down.
        var start = Command(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", folder,
            [GatewayDll, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information", .. args]);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = new System.Diagnostics.Process { StartInfo = start, EnableRaisingEvents = true };
        var gateway = new GatewayProcess(process, folder);
        process.OutputDataReceived += (_, e) => Append(gateway._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(gateway._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    /// <summary>
    /// A process description with redirected output and an environment cleaned of anything that would
    /// configure the gateway behind the test's back (TUNAI_*, Tunai__*, URLS).
    /// </summary>
    public static ProcessStartInfo Command(string fileName, string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("TUNAI", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith("URLS", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith("HTTP_PORTS", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith("HTTPS_PORTS", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }
        return start;
    }

    /// <summary>
    /// Waits for the gateway to say where it listens, then polls until it answers HTTP there; fails at once if the
    /// process exits first.
    /// </summary>
    public async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {_process.ExitCode} before it was ready\n{Output()}");
            }
            try
            {
                if (_baseAddress is null && ListeningOn().Match(StandardOutput) is { Success: true } listening)
                {
                    _baseAddress = new Uri(listening.Groups[1].Value);
                    http.BaseAddress = _baseAddress;
                }
                if (_baseAddress is not null)
                {
                    using var response = await http.GetAsync("/", ct);
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // accepted but slow to answer: a loaded machine
            }
            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"The gateway did not answer within {StartTimeout}\n{Output()}");
            }
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Polls the captured stdout until <paramref name="condition"/> holds (output arrives asynchronously).</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> condition, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition(StandardOutput))
        {
            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"Expected output did not appear\n{Output()}");
            }
            await Task.Delay(50, ct);
        }
        return StandardOutput;
    }

    /// <summary>Waits for the process to exit on its own and returns its exit code; output is complete then.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as a service manager stops a service: the gateway shuts down cleanly and exits on its own.</summary>
    public void Terminate()
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL on Unix: no shutdown code runs, exactly like a crash or a pulled plug.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit();
    }

    /// <summary>The credentials a sandbox gateway writes to data/sandbox.env (<c>export NAME=value</c> lines).</summary>
    public Dictionary<string, string> SandboxEnv() =>
        File.ReadAllLines(System.IO.Path.Combine(Folder, "data", "sandbox.env"))
            .Where(line => line.StartsWith("export ", StringComparison.Ordinal))
            .Select(line => line["export ".Length..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);

    /// <summary>Runs a command to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, CancellationToken ct)
    {
        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    public string Output() => $"--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
        _process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (buffer)
        {
            buffer.Append(line).Append('\n');
        }
    }

    /// <summary>Kestrel's line for each address it bound, in plain or JSON console output.</summary>
    [GeneratedRegex(@"Now listening on: (https?://[^\s"",\\]+)")]
    private static partial Regex ListeningOn();
}

/// <summary>A fresh empty folder under the temp directory, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tunai-process-tests", Guid.NewGuid().ToString("N"));

    public TempFolder() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: the folder is under the temp directory
        }
    }
}
