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

    public static async Task<(string Email, string Password)> EnsureAsync(Database database, TimeProvider time)
    {
        string password;
        bool exists;
        await using (var c = await database.OpenAsync())
        {
            password = await c.QuerySingleOrDefaultAsync<string>("SELECT value FROM gateway_settings WHERE key = 'sandbox_operator_password'")
                ?? Operators.NewPassword();
            exists = await Operators.FindAsync(c, Email) is not null;
        }
        if (exists)
        {
            // Every sandbox start comes here; hashing (slow on purpose) only when there is an account to create.
            return (Email, password);
        }
        var hash = Operators.HashPassword(password);
        return await database.WriteAsync(async unit =>
        {
            await unit.Connection.ExecuteAsync(
                "INSERT INTO gateway_settings (key, value) VALUES ('sandbox_operator_password', @password) ON CONFLICT (key) DO NOTHING",
                new { password }, unit.Transaction);
            // Instances starting together: the first one's password and account stand, the others' inserts do nothing.
            var kept = await unit.Connection.QuerySingleAsync<string>(
                "SELECT value FROM gateway_settings WHERE key = 'sandbox_operator_password'", transaction: unit.Transaction);
            if (kept == password)
            {
                await Operators.AddAsync(unit, Email, hash, Roles.Admin, null, time.GetUtcNow().ToUnixTimeMilliseconds());
            }
            unit.Commit();
            return (Email, kept);
        });
    }
}
