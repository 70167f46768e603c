namespace Tunai.Cli.Tests;

/// <summary>One in-process run of <c>tunai</c>: exit code and what it wrote.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    /// <summary>
    /// Runs the CLI in <paramref name="folder"/> with no environment variables (the developer's own
    /// TUNAI_* settings must not leak in) and the given clock.
    /// </summary>
    public static async Task<CliRun> RunAsync(string folder, TimeProvider time, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var console = new CliConsole(stdout, stderr, folder, _ => null, () => null, time);
        var exitCode = await Cli.RunAsync(args, console);
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}
