using Dapper;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.BackOffice;

/// <summary>
/// The sandbox's first Admin, so a newcomer can open the back office at once. Its password is kept in
/// <c>gateway_settings</c> beside the sandbox's other credentials (sandbox only: production seeds nothing, and
/// its first Admin comes from <c>tunai operators add</c>), so every start prints the same one until it is changed.
/// </summary>
public static class SandboxOperator
{
    public const string Email = "admin@sandbox.tunai.test";

    public static Task<(string Email, string Password)> EnsureAsync(Database database, TimeProvider time) =>
        database.WriteAsync(async unit =>
        {
            var c = unit.Connection;
            await c.ExecuteAsync(
                "INSERT INTO gateway_settings (key, value) VALUES ('sandbox_operator_password', @password) ON CONFLICT (key) DO NOTHING",
                new { password = Operators.NewPassword() }, unit.Transaction);
            var password = await c.QuerySingleAsync<string>(
                "SELECT value FROM gateway_settings WHERE key = 'sandbox_operator_password'", transaction: unit.Transaction);
            // Nothing when the account exists (a restart, or instances starting together: then the insert does nothing).
            // Checked first because hashing a password is slow on purpose, and every sandbox start comes here.
            if (await Operators.FindAsync(c, Email, unit.Transaction) is null)
            {
                await Operators.AddAsync(unit, Email, password, Roles.Admin, null, time.GetUtcNow().ToUnixTimeMilliseconds());
            }
            unit.Commit();
            return (Email, password);
        });
}
