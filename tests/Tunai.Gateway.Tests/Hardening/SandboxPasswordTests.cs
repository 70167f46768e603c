using System.Net;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Hardening;

/// <summary>The sandbox Admin's password is in data/sandbox.env for the newcomer, and only its hash is in the database.</summary>
public sealed class SandboxPasswordTests
{
    [Fact]
    public async Task TheSandboxAdminsPasswordIsKeptInTheDatabaseOnlyAsAHash()
    {
        await using var gateway = await GatewayHost.StartAsync();

        Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM gateway_settings WHERE key = 'sandbox_operator_password'"));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM operators WHERE email = $e", ("$e", SandboxOperator.Email)));
        if (!TestDatabase.UsePostgres)
        {
            // On SQLite data/sandbox.env is beside the database, this gateway's own: the password a newcomer reads there
            // opens the back office, and no row holds it.
            var (email, password) = await BackOfficeAccounts.SandboxAdminAsync(gateway);
            Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM gateway_settings WHERE value = $p", ("$p", password)));
            Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM operators WHERE password_hash LIKE $p", ("$p", $"%{password}%")));
            using var client = new BackOfficeHttp(gateway);
            Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync(email, password)).Status);
        }
    }
}
