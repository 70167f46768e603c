using System.CommandLine;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Audit;

namespace Tunai.Cli;

/// <summary>
/// <c>tunai operators add</c>: a back-office account written straight into the gateway's database, found the way
/// the gateway finds it (appsettings.json, <c>Tunai__...</c> environment variables, <c>--Tunai:...</c> arguments,
/// validated by the gateway's own rules). How a production gateway gets its first Admin.
/// </summary>
internal static class OperatorsCommand
{
    public static Command Create(CliConsole console)
    {
        var email = new Option<string>("--email") { Description = "The account's email (its sign-in name)", Required = true };
        var role = new Option<string>("--role") { Description = "Viewer, Operator, Admin or Merchant", Required = true };
        var merchant = new Option<string>("--merchant") { Description = "The merchant's Client-Id (the Merchant role only)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input [default: generate one and print it once]" };
        var add = new Command("add", "Add a back-office account to the gateway's database (any --Tunai:... setting is read as the gateway reads it)")
        {
            email, role, merchant, passwordStdin,
        };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction(async (parsed, ct) =>
        {
            var roleName = Roles.All.FirstOrDefault(r => string.Equals(r, parsed.GetValue(role), StringComparison.OrdinalIgnoreCase))
                ?? throw new CliError($"--role must be one of {string.Join(", ", Roles.All)}");
            var merchantId = parsed.GetValue(merchant);
            if ((roleName == Roles.Merchant) == string.IsNullOrWhiteSpace(merchantId))
            {
                throw new CliError("--merchant is required for the Merchant role, and only for it");
            }
            var address = parsed.GetValue(email)!.Trim();
            if (!address.Contains('@', StringComparison.Ordinal))
            {
                throw new CliError("--email must be an email address");
            }
            string password;
            var generated = false;
            if (parsed.GetValue(passwordStdin))
            {
                using var reader = new StreamReader(console.Input() ?? throw new CliError("--password-stdin needs the password on standard input"));
                password = (await reader.ReadToEndAsync(ct)).TrimEnd('\r', '\n');
            }
            else
            {
                password = Operators.NewPassword();
                generated = true;
            }
            if (Operators.CheckPassword(password) is { } weak)
            {
                throw new CliError(weak);
            }

            await using var database = OpenGatewayDatabase(parsed.UnmatchedTokens, console);
            var hash = Operators.HashPassword(password);
            var outcome = await database.WriteAsync(async unit =>
            {
                if (await unit.Connection.ExecuteScalarAsync<long?>(
                        "SELECT 1 FROM schema_migrations WHERE version = 9", transaction: unit.Transaction) is null)
                {
                    return "The database has no back-office tables yet: start the gateway once so it applies its migrations";
                }
                long? id = null;
                if (roleName == Roles.Merchant)
                {
                    id = (await MerchantStore.FindAsync(unit.Connection, merchantId!.Trim(), unit.Transaction))?.Id
                        ?? (long?)null;
                    if (id is null)
                    {
                        return $"No merchant has Client-Id {merchantId}";
                    }
                }
                var now = console.Time.GetUtcNow().ToUnixTimeMilliseconds();
                var account = await Operators.AddAsync(unit, address, hash, roleName, id, now);
                if (account is null)
                {
                    return $"{Operators.NormalizeEmail(address)} already has an account";
                }
                await AuditTrail.WriteAsync(unit, new AuditActor("tunai operators add", "Cli", null, Environment.MachineName), "operator.add",
                    account.Email, null, new { account.Email, account.Role, merchant = merchantId }, now);
                unit.Commit();
                return null;
            }, ct);
            if (outcome is not null)
            {
                await console.Error.WriteLineAsync("tunai: " + outcome);
                return Cli.Refused;
            }
            await console.Out.WriteLineAsync($"Added {Operators.NormalizeEmail(address)} ({roleName}).");
            if (generated)
            {
                await console.Out.WriteLineAsync($"Password (shown once; change it in the back office): {password}");
            }
            return Cli.Success;
        });
        return new Command("operators", "Back-office accounts") { add };
    }

    /// <summary>The gateway's configuration sources in the gateway's order, bound and validated by the gateway's own code.</summary>
    internal static Database OpenGatewayDatabase(IReadOnlyList<string> settings, CliConsole console)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(console.Folder)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. settings])
            .Build();
        var services = new ServiceCollection().AddTunaiOptions(configuration).BuildServiceProvider();
        TunaiOptions options;
        try
        {
            options = services.GetRequiredService<TunaiOptions>();
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            throw new CliError("configuration error: " + string.Join("; ", e.Failures));
        }
        if (options.Storage.Provider == StorageProvider.Sqlite && !File.Exists(Path.GetFullPath(options.Storage.SqlitePath)))
        {
            throw new CliError($"no gateway database at {Path.GetFullPath(options.Storage.SqlitePath)}: run this where the gateway runs, or give --Tunai:Storage:SqlitePath");
        }
        return new Database(options);
    }
}
