using Microsoft.AspNetCore.Identity;

namespace Tunai.Gateway.BackOffice;

/// <summary>
/// The sandbox's first Admin, so a newcomer can open the back office at once. Its password is generated once, and
/// the database keeps only its hash (the account's, like any operator's): the clear text lives in
/// <c>data/sandbox.env</c> (readable by the gateway's user only), which every start reads back and prints again as
/// long as it still opens the account. Once the password is changed in the back office, or the file is lost, the
/// start says so instead of printing it (sandbox only: production seeds nothing, and its first Admin comes from
/// <c>tunai operators add</c>).
/// </summary>
public static class SandboxOperator
{
    public const string Email = "admin@sandbox.tunai.test";

    /// <summary>The sandbox env file's line that holds the password.</summary>
    public const string PasswordVariable = "TUNAI_OPERATOR_PASSWORD";

    /// <summary>The account, created when missing; the password when it is known (just made, or read back from <paramref name="envFile"/>).</summary>
    public static async Task<(string Email, string? Password)> EnsureAsync(Database database, TimeProvider time, string envFile)
    {
        OperatorAccount? account;
        await using (var c = await database.OpenAsync())
        {
            account = await Operators.FindAsync(c, Email);
        }
        if (account is not null)
        {
            var kept = ReadPassword(envFile);
            // One hash check per start, and only when the file offers a password to check.
            return (Email, kept is not null
                && new PasswordHasher<OperatorAccount>().VerifyHashedPassword(account, account.PasswordHash, kept) != PasswordVerificationResult.Failed
                ? kept : null);
        }
        var password = Operators.NewPassword();
        var hash = Operators.HashPassword(password);
        return await database.WriteAsync(async unit =>
        {
            // Instances starting together run this under the startup lock; should two still meet, the second's
            // insert finds the account and its password is not the one that opens it.
            var added = await Operators.AddAsync(unit, Email, hash, Roles.Admin, null, time.GetUtcNow().ToUnixTimeMilliseconds());
            unit.Commit();
            return (Email, added is null ? null : password);
        });
    }

    private static string? ReadPassword(string envFile)
    {
        if (!File.Exists(envFile))
        {
            return null;
        }
        var prefix = $"export {PasswordVariable}=";
        return File.ReadLines(envFile).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..].Trim() is { Length: > 0 } p
            ? p : null;
    }
}
