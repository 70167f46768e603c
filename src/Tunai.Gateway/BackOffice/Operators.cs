using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Tunai.Gateway.Storage;

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

    public override string ToString() => $"Operator {{ Email = {Email}, Role = {Role} }}";
}

public enum SignInOutcome
{
    SignedIn,
    /// <summary>Unknown email or wrong password: the same answer for both, so emails cannot be probed.</summary>
    Refused,
    LockedOut,
}

/// <summary>
/// Operator accounts, passwords (ASP.NET Core's <see cref="PasswordHasher{TUser}"/>: PBKDF2 with a salt per
/// password), lock-out and sessions. Session and lock-out times use the wall clock, not the sandbox's test clock:
/// moving the sandbox a week forward must not sign its operator out.
/// </summary>
public static class Operators
{
    /// <summary>Failed sign-ins in a row that lock an account, and for how long.</summary>
    public const int MaxFailedSignIns = 5;
    public static readonly TimeSpan LockOut = TimeSpan.FromMinutes(15);
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
    /// on SQLite every other writer would wait for it.
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
    /// any unit of work (it is slow on purpose); then one conditional statement decides: a failure counts towards
    /// lock-out (concurrent guesses cannot slip past the limit), a success is refused if a lock-out began meanwhile.
    /// </summary>
    public static async Task<(SignInOutcome Outcome, string? Token, OperatorAccount? Account)> SignInAsync(
        Database database, TimeProvider wallClock, string email, string password, CancellationToken ct)
    {
        OperatorAccount? account;
        await using (var c = await database.OpenAsync(ct))
        {
            account = await FindAsync(c, email);
        }
        var now = wallClock.GetUtcNow().ToUnixTimeMilliseconds();
        if (account is null)
        {
            // Hash anyway, so an unknown email takes as long as a wrong password.
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return (SignInOutcome.Refused, null, null);
        }
        if (account.LockedUntil is { } until && until > now)
        {
            return (SignInOutcome.LockedOut, null, null);
        }
        if (Hasher.VerifyHashedPassword(account, account.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            var lockedUntil = await database.WriteAsync(async unit =>
            {
                var locked = await unit.Connection.ExecuteScalarAsync<long?>(
                    """
                    UPDATE operators
                    SET failed_sign_ins = CASE WHEN locked_until IS NOT NULL AND locked_until <= @now THEN 1 ELSE failed_sign_ins + 1 END,
                        locked_until = CASE
                            WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= @now THEN 1 ELSE failed_sign_ins + 1 END) >= @max THEN @until
                            WHEN locked_until IS NOT NULL AND locked_until <= @now THEN NULL
                            ELSE locked_until END
                    WHERE id = @id
                    RETURNING locked_until
                    """, new { id = account.Id, now, max = MaxFailedSignIns, until = now + (long)LockOut.TotalMilliseconds }, unit.Transaction);
                unit.Commit();
                return locked;
            }, ct);
            return (lockedUntil is { } l && l > now ? SignInOutcome.LockedOut : SignInOutcome.Refused, null, null);
        }
        var token = await database.WriteAsync(async unit =>
        {
            var open = await unit.Connection.ExecuteAsync(
                """
                UPDATE operators SET failed_sign_ins = 0, locked_until = NULL
                WHERE id = @id AND password_hash = @hash AND (locked_until IS NULL OR locked_until <= @now)
                """, new { id = account.Id, hash = account.PasswordHash, now }, unit.Transaction);
            if (open == 0)
            {
                return null;
            }
            var opened = await OpenSessionAsync(unit, account.Id, now);
            unit.Commit();
            return opened;
        }, ct);
        return token is null ? (SignInOutcome.LockedOut, null, null) : (SignInOutcome.SignedIn, token, account);
    }

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
            SELECT o.id, o.email, o.password_hash, o.role, o.merchant_id, o.failed_sign_ins, o.locked_until, o.created_at
            FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
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
    public static async Task<bool> ChangePasswordAsync(Database database, long operatorId, string current, string next, string keepToken,
        long now, Func<WriteUnit, Task> audit, CancellationToken ct)
    {
        OperatorAccount account;
        await using (var c = await database.OpenAsync(ct))
        {
            account = await c.QuerySingleAsync<OperatorAccount>($"SELECT {Columns} FROM operators WHERE id = @operatorId", new { operatorId });
        }
        if (Hasher.VerifyHashedPassword(account, account.PasswordHash, current) == PasswordVerificationResult.Failed)
        {
            return false;
        }
        var hash = Hasher.HashPassword(account, next);
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
