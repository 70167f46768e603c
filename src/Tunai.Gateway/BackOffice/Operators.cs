using Microsoft.AspNetCore.Identity;

namespace Tunai.Gateway.BackOffice;

public sealed record OperatorAccount
{
    public long Id { get; init; }
    public required string Email { get; init; }
    public required string PasswordHash { get; init; }
    public required string Role { get; init; }
    public long? MerchantId { get; init; }
    public long FailedSignIns { get; init; }
    public long? LockedUntil { get; init; }
    public long CreatedAt { get; init; }

    /// <summary>When the account's merchant (Merchant role) was disabled; such an account cannot sign in.</summary>
    public long? MerchantDisabledAt { get; init; }

    public override string ToString() => $"Operator {{ Email = {Email}, Role = {Role} }}";
}

public enum SignInOutcome
{
    SignedIn,
    /// <summary>Unknown email, wrong password or a lock-out: one answer for all three, so emails cannot be probed.</summary>
    Refused,
    /// <summary>The right password, for an account whose merchant is disabled.</summary>
    MerchantDisabled,
    /// <summary>Too many sign-ins already wait to be hashed; nothing was checked.</summary>
    Busy,
}

/// <summary>
/// Operator accounts, passwords (ASP.NET Core's <see cref="PasswordHasher{TUser}"/>: PBKDF2 with a salt per
/// password, hashed within <see cref="PasswordHashes"/>) and sessions; the lock-out is <see cref="SignInGuard"/>'s.
/// Session times use the wall clock, not the sandbox's test clock: moving the sandbox a week forward must not sign
/// its operator out.
/// </summary>
public static class Operators
{
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);
    public const int MinPasswordLength = 12;

    private static readonly PasswordHasher<OperatorAccount> Hasher = new();

    private const string Columns = "id, email, password_hash, role, merchant_id, failed_sign_ins, locked_until, created_at";

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');

    public static string? CheckPassword(string password) =>
        password.Length < MinPasswordLength ? $"The password must be at least {MinPasswordLength} characters" : null;

    public static Task<OperatorAccount?> FindAsync(DbConnection c, string email, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<OperatorAccount>($"SELECT {Columns} FROM operators WHERE email = @email",
            new { email = NormalizeEmail(email) }, tx);

    public static async Task<IReadOnlyList<OperatorAccount>> ListAsync(DbConnection c) =>
        (await c.QueryAsync<OperatorAccount>($"SELECT {Columns} FROM operators ORDER BY email")).ToList();

    /// <summary>
    /// The stored form of a password. Slow on purpose (PBKDF2), so callers hash before their unit of work starts:
    /// where a unit runs alone every other unit would wait for it.
    /// </summary>
    public static string HashPassword(string password) => Hasher.HashPassword(null!, password);

    /// <summary>Adds an account in the caller's unit; null when the email is taken (the unique constraint decides).</summary>
    public static async Task<OperatorAccount?> AddAsync(WriteUnit unit, string email, string passwordHash, string role, long? merchantId, long now)
    {
        if (!Roles.IsKnown(role))
        {
            throw new ArgumentException($"Unknown role {role}", nameof(role));
        }
        return await unit.Connection.QuerySingleOrDefaultAsync<OperatorAccount>(
            $"""
            INSERT INTO operators (email, password_hash, role, merchant_id, created_at, updated_at)
            VALUES (@email, @passwordHash, @role, @merchantId, @now, @now)
            ON CONFLICT (email) DO NOTHING
            RETURNING {Columns}
            """, new { email = NormalizeEmail(email), passwordHash, role, merchantId, now }, unit.Transaction);
    }

    /// <summary>
    /// Checks a password and opens a session: the token for the cookie, or why not. The hash is checked outside
    /// any unit of work (it is slow on purpose) and within <paramref name="hashes"/>' bound. An unknown email and a
    /// <paramref name="locked"/> pair are checked against a dummy hash, so that all three refusals cost the same
    /// work and answer alike; a refusal writes nothing. Then one conditional statement decides the session: not if
    /// the password changed meanwhile or the account's merchant was disabled.
    /// </summary>
    public static async Task<(SignInOutcome Outcome, string? Token, OperatorAccount? Account)> SignInAsync(
        Database database, TimeProvider wallClock, PasswordHashes hashes, string email, string password, bool locked, CancellationToken ct)
    {
        OperatorAccount? account;
        await using (var c = await database.OpenAsync(ct))
        {
            account = await c.QuerySingleOrDefaultAsync<OperatorAccount>(
                $"""
                SELECT {Columns}, (SELECT m.disabled_at FROM merchants m WHERE m.id = operators.merchant_id) AS merchant_disabled_at
                FROM operators WHERE email = @email
                """, new { email = NormalizeEmail(email) });
        }
        using (var slot = await hashes.TryEnterAsync(ct))
        {
            if (slot is null)
            {
                return (SignInOutcome.Busy, null, null);
            }
            if (account is null || locked)
            {
                Hasher.VerifyHashedPassword(null!, DummyHash, password);
                return (SignInOutcome.Refused, null, null);
            }
            if (Hasher.VerifyHashedPassword(account, account.PasswordHash, password) == PasswordVerificationResult.Failed)
            {
                return (SignInOutcome.Refused, null, null);
            }
        }
        if (account.MerchantDisabledAt is not null)
        {
            return (SignInOutcome.MerchantDisabled, null, null);
        }
        var now = wallClock.GetUtcNow().ToUnixTimeMilliseconds();
        var token = await database.WriteAsync(async unit =>
        {
            var open = await unit.Connection.ExecuteAsync(
                """
                UPDATE operators SET failed_sign_ins = 0, locked_until = NULL
                WHERE id = @id AND password_hash = @hash
                  AND NOT EXISTS (SELECT 1 FROM merchants m WHERE m.id = operators.merchant_id AND m.disabled_at IS NOT NULL)
                """, new { id = account.Id, hash = account.PasswordHash }, unit.Transaction);
            if (open == 0)
            {
                return null;
            }
            var opened = await OpenSessionAsync(unit, account.Id, now);
            unit.Commit();
            return opened;
        }, ct);
        return token is null ? (SignInOutcome.Refused, null, null) : (SignInOutcome.SignedIn, token, account);
    }

    /// <summary>Ends every session of the merchant's back-office users (in the unit that disables the merchant).</summary>
    public static Task EndMerchantSessionsAsync(DbConnection connection, DbTransaction tx, long merchantId) =>
        connection.ExecuteAsync(
            "DELETE FROM operator_sessions WHERE operator_id IN (SELECT id FROM operators WHERE merchant_id = @merchantId)",
            new { merchantId }, tx);

    private static readonly string DummyHash = Hasher.HashPassword(null!, "not a password of anyone");

    private static async Task<string> OpenSessionAsync(WriteUnit unit, long operatorId, long now)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        await unit.Connection.ExecuteAsync(
            "DELETE FROM operator_sessions WHERE operator_id = @operatorId AND expires_at <= @now; " +
            "INSERT INTO operator_sessions (token_hash, operator_id, created_at, expires_at) VALUES (@hash, @operatorId, @now, @expires)",
            new { hash = HashToken(token), operatorId, now, expires = now + (long)SessionLifetime.TotalMilliseconds }, unit.Transaction);
        return token;
    }

    public static string HashToken(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The account behind a session token that has not expired, or null.</summary>
    public static async Task<OperatorAccount?> FindSessionAsync(Database database, string token, long now, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<OperatorAccount>(
            $"""
            SELECT o.id, o.email, o.password_hash, o.role, o.merchant_id, o.failed_sign_ins, o.locked_until, o.created_at,
                   m.disabled_at AS merchant_disabled_at
            FROM operator_sessions s JOIN operators o ON o.id = s.operator_id LEFT JOIN merchants m ON m.id = o.merchant_id
            WHERE s.token_hash = @hash AND s.expires_at > @now
            """, new { hash = HashToken(token), now });
    }

    public static Task SignOutAsync(Database database, string token, CancellationToken ct) =>
        database.WriteAsync(async unit =>
        {
            await unit.Connection.ExecuteAsync("DELETE FROM operator_sessions WHERE token_hash = @hash", new { hash = HashToken(token) }, unit.Transaction);
            unit.Commit();
            return 0;
        }, ct);

    /// <summary>
    /// Changes a password after checking the current one; every other session of the account ends (whoever knew
    /// the old password is out). Hashing happens before the unit; the update is conditional on the hash that was
    /// checked, so two changes at once cannot both win. False when the current password is wrong.
    /// </summary>
    public static async Task<bool> ChangePasswordAsync(Database database, PasswordHashes hashes, long operatorId, string current, string next,
        string keepToken, long now, Func<WriteUnit, Task> audit, CancellationToken ct)
    {
        OperatorAccount account;
        await using (var c = await database.OpenAsync(ct))
        {
            account = await c.QuerySingleAsync<OperatorAccount>($"SELECT {Columns} FROM operators WHERE id = @operatorId", new { operatorId });
        }
        string hash;
        using (await hashes.EnterAsync(ct))
        {
            if (Hasher.VerifyHashedPassword(account, account.PasswordHash, current) == PasswordVerificationResult.Failed)
            {
                return false;
            }
            hash = Hasher.HashPassword(account, next);
        }
        return await database.WriteAsync(async unit =>
        {
            var changed = await unit.Connection.ExecuteAsync(
                "UPDATE operators SET password_hash = @hash, updated_at = @now WHERE id = @operatorId AND password_hash = @old",
                new { operatorId, hash, now, old = account.PasswordHash }, unit.Transaction);
            if (changed == 0)
            {
                return false;
            }
            await unit.Connection.ExecuteAsync(
                "DELETE FROM operator_sessions WHERE operator_id = @operatorId AND token_hash <> @keep",
                new { operatorId, keep = HashToken(keepToken) }, unit.Transaction);
            await audit(unit);
            unit.Commit();
            return true;
        }, ct);
    }
}
