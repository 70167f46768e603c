using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Cli.Tests;

/// <summary><c>tunai operators add</c> against a real gateway's database, found through the gateway's own settings.</summary>
public sealed partial class OperatorsCommandTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private Task<CliRun> RunAsync(params string[] args) =>
        CliRun.RunAsync(_gateway.Folder, _gateway.Time, [.. args, .. _gateway.DatabaseSettings.Select(s => "--" + s)]);

    [Fact]
    public async Task AnAdminAddedFromTheCommandLineCanSignIn()
    {
        var run = await RunAsync("operators", "add", "--email", "First.Admin@Example.test", "--role", "admin");

        Assert.True(run.ExitCode == Cli.Success, run.ToString());
        var password = PrintedPassword().Match(run.Out).Groups[1].Value;
        Assert.True(password.Length >= Operators.MinPasswordLength, run.ToString());
        var database = _gateway.Services.GetRequiredService<Database>();
        var hashes = _gateway.Services.GetRequiredService<PasswordHashes>();
        var (outcome, _, account) = await Operators.SignInAsync(database, _gateway.Time, hashes, "first.admin@example.test", password, locked: false, CancellationToken.None);
        Assert.Equal(SignInOutcome.SignedIn, outcome);
        Assert.Equal(Roles.Admin, account!.Role);
        // The hash is ASP.NET Core's (version 3: PBKDF2), never the password.
        var stored = (string)(await _gateway.RowAsync("SELECT password_hash FROM operators WHERE email = 'first.admin@example.test'"))["password_hash"]!;
        Assert.DoesNotContain(password, stored, StringComparison.Ordinal);
        Assert.Equal(0x01, Convert.FromBase64String(stored)[0]);
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM audit_log WHERE action = 'operator.add' AND role = 'Cli'"));
    }

    [Fact]
    public async Task TheSameEmailTwiceIsRefused()
    {
        Assert.Equal(Cli.Success, (await RunAsync("operators", "add", "--email", "ops@example.test", "--role", "Operator")).ExitCode);

        var again = await RunAsync("operators", "add", "--email", "OPS@example.test", "--role", "Admin");

        Assert.Equal(Cli.Refused, again.ExitCode);
        Assert.Contains("already has an account", again.Error, StringComparison.Ordinal);
        Assert.Equal("Operator", (string)(await _gateway.RowAsync("SELECT role FROM operators WHERE email = 'ops@example.test'"))["role"]!);
    }

    [Fact]
    public async Task AMerchantUserNeedsAKnownMerchant()
    {
        var merchant = await _gateway.CreateMerchantAsync();

        var missing = await RunAsync("operators", "add", "--email", "shop@example.test", "--role", "Merchant");
        var unknown = await RunAsync("operators", "add", "--email", "shop@example.test", "--role", "Merchant", "--merchant", "MCH-none");
        var added = await RunAsync("operators", "add", "--email", "shop@example.test", "--role", "Merchant", "--merchant", merchant.ClientId);

        Assert.Equal(Cli.UsageOrConnection, missing.ExitCode);
        Assert.Equal(Cli.Refused, unknown.ExitCode);
        Assert.True(added.ExitCode == Cli.Success, added.ToString());
        Assert.Equal(1, await _gateway.CountAsync(
            "SELECT count(*) FROM operators o JOIN merchants m ON m.id = o.merchant_id WHERE o.email = 'shop@example.test' AND m.client_id = @c",
            ("c", merchant.ClientId)));
    }

    [GeneratedRegex("Password \\(shown once[^)]*\\): (\\S+)")]
    private static partial Regex PrintedPassword();
}
