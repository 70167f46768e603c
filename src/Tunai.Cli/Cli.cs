using System.CommandLine;

namespace Tunai.Cli;

/// <summary>What a command reads and writes: the process's console, or a test's writers, folder and clock.</summary>
/// <param name="Folder">Where <c>data/sandbox.env</c> is looked for.</param>
/// <param name="Variable">Reads an environment variable.</param>
/// <param name="Input">Standard input when it is redirected (a pipe or a file), else null.</param>
internal sealed record CliConsole(
    TextWriter Out, TextWriter Error, string Folder, Func<string, string?> Variable, Func<Stream?> Input, TimeProvider Time)
{
    public static CliConsole System() => new(Console.Out, Console.Error, Environment.CurrentDirectory,
        Environment.GetEnvironmentVariable, () => Console.IsInputRedirected ? Console.OpenStandardInput() : null, TimeProvider.System);
}

/// <summary>An expected failure the user can fix (bad input, no credentials, gateway unreachable): one line, exit code 2.</summary>
internal sealed class CliError(string message) : Exception(message);

public static class Cli
{
    public const int Success = 0;
    public const int Refused = 1;
    public const int UsageOrConnection = 2;

    /// <summary>Runs the CLI in-process, writing to the given writers; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, CliConsole.System() with { Out = stdout, Error = stderr });

    internal static async Task<int> RunAsync(string[] args, CliConsole console)
    {
        var root = new RootCommand("Tunai command line: play the store side against a gateway, compute request signatures, or back up and restore a SQLite database.")
        {
            StoreCommands.Create(console),
            SignCommand.Create(console),
            OperatorsCommand.Create(console),
            SandboxCommand.Create(console),
        };
        foreach (var command in BackupCommands.Create(console))
        {
            root.Subcommands.Add(command);
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // System.CommandLine answers parse errors with 1; here 1 means "refused", so usage errors get 2.
            foreach (var error in parsed.Errors)
            {
                await console.Error.WriteLineAsync($"tunai: {error.Message} (see tunai --help)");
            }
            return UsageOrConnection;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (CliError e)
        {
            await console.Error.WriteLineAsync("tunai: " + e.Message);
            return UsageOrConnection;
        }
    }
}
