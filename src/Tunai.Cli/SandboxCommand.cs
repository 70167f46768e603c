using System.CommandLine;
using Tunai.Gateway.Audit;
using Tunai.Gateway.Clock;

namespace Tunai.Cli;

/// <summary>
/// <c>tunai sandbox clock-reset</c>: puts a sandbox's test clock back to the real time, written straight into the
/// gateway's database (found as <c>tunai operators add</c> finds it), so it works whatever the gateway answers.
/// Running gateways read the new offset within a second.
/// </summary>
internal static class SandboxCommand
{
    public static Command Create(CliConsole console)
    {
        var reset = new Command("clock-reset", "Put the sandbox's test clock back to the real time (any --Tunai:... setting is read as the gateway reads it)");
        reset.TreatUnmatchedTokensAsErrors = false;
        reset.SetAction(async (parsed, ct) =>
        {
            await using var database = OperatorsCommand.OpenGatewayDatabase(parsed.UnmatchedTokens, console);
            await database.WriteAsync(async unit =>
            {
                await SandboxClock.StoreAsync(unit, 0, new AuditActor("tunai sandbox clock-reset", "Cli", null, Environment.MachineName), "reset",
                    console.Time.GetUtcNow().ToUnixTimeMilliseconds());
                unit.Commit();
                return 0;
            }, ct);
            await console.Out.WriteLineAsync("The sandbox's test clock is back to the real time.");
            return Cli.Success;
        });
        return new Command("sandbox", "The sandbox's tools") { reset };
    }
}
