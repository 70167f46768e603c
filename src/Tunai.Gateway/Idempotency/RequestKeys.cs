using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Idempotency;

public abstract record ClaimOutcome
{
    public sealed record Claimed(RequestKeyClaim Claim) : ClaimOutcome;
    public sealed record Replay(int Status, byte[] Body) : ClaimOutcome;
    public sealed record DifferentRequest : ClaimOutcome;
    public sealed record InFlight : ClaimOutcome;
}

/// <summary>
/// A Request-Id held by the request being served. Completing it stores the response in the caller's
/// transaction, so the effect and the record of it commit together or not at all.
/// </summary>
public sealed class RequestKeyClaim(long merchantId, string requestId, string token)
{
    public bool Completed { get; private set; }

    public async Task<bool> CompleteAsync(DbConnection connection, DbTransaction tx, int status, byte[] body)
    {
        var rows = await connection.ExecuteAsync(
            """
            UPDATE idempotency_keys
            SET state = 'DONE', response_status = @status, response_body = @body, lock_token = NULL
            WHERE merchant_id = @merchantId AND request_id = @requestId AND lock_token = @token AND state = 'IN_FLIGHT'
            """, new { merchantId, requestId, token, status, body }, tx);
        Completed = rows == 1;
        return Completed;
    }

    internal Task<int> ReleaseAsync(DbConnection connection, DbTransaction tx) =>
        connection.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE merchant_id = @merchantId AND request_id = @requestId AND lock_token = @token AND state = 'IN_FLIGHT'",
            new { merchantId, requestId, token }, tx);
}

/// <summary>
/// Request-Id idempotency, decided by the primary key (merchant_id, request_id), never by check-then-insert.
/// A key is claimed before the work, completed with the response inside the work's transaction, and
/// released when the request ends without completing it (a 4xx, or a failure), so it can be sent again.
/// A key left in flight by a crashed process is taken over once its lease has run out; since completion
/// and effect commit together, the crashed request left no effect behind.
/// </summary>
public sealed class RequestKeys(Database database, TunaiOptions options, TimeProvider time)
{
    public static string Hash(string method, string target, byte[]? body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{method} {target}\n"));
        sha.AppendData(body ?? []);
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    public async Task<ClaimOutcome> ClaimAsync(long merchantId, string requestId, string hash, CancellationToken ct)
    {
        return await database.WriteAsync<ClaimOutcome>(async unit =>
        {
            var (connection, tx) = (unit.Connection, unit.Transaction);
            for (var attempt = 0; attempt < 5; attempt++)
            {
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
                var args = new
                {
                    merchantId, requestId, hash, token, now,
                    expires = now + (long)options.MerchantApi.IdempotencyRetention.TotalMilliseconds,
                    abandonedBefore = now - (long)options.MerchantApi.InFlightLease.TotalMilliseconds,
                };
                var inserted = await connection.ExecuteAsync(
                    """
                    INSERT INTO idempotency_keys (merchant_id, request_id, request_hash, state, lock_token, locked_at, created_at, expires_at)
                    VALUES (@merchantId, @requestId, @hash, 'IN_FLIGHT', @token, @now, @now, @expires)
                    ON CONFLICT (merchant_id, request_id) DO NOTHING
                    """, args, tx);
                if (inserted == 1)
                {
                    unit.Commit();
                    return new ClaimOutcome.Claimed(new RequestKeyClaim(merchantId, requestId, token));
                }

                var takenOver = await connection.ExecuteAsync(
                    """
                    UPDATE idempotency_keys
                    SET request_hash = @hash, state = 'IN_FLIGHT', lock_token = @token, locked_at = @now,
                        response_status = NULL, response_body = NULL, created_at = @now, expires_at = @expires
                    WHERE merchant_id = @merchantId AND request_id = @requestId
                      AND (expires_at <= @now OR (state = 'IN_FLIGHT' AND locked_at <= @abandonedBefore))
                    """, args, tx);
                if (takenOver == 1)
                {
                    unit.Commit();
                    return new ClaimOutcome.Claimed(new RequestKeyClaim(merchantId, requestId, token));
                }

                var existing = await connection.QuerySingleOrDefaultAsync<(string Hash, string State, long? Status, byte[]? Body)>(
                    """
                    SELECT request_hash, state, response_status, response_body FROM idempotency_keys
                    WHERE merchant_id = @merchantId AND request_id = @requestId
                    """, args, tx);
                if (existing.Hash is null)
                {
                    continue; // released between our statements: try again
                }
                if (!string.Equals(existing.Hash, hash, StringComparison.Ordinal))
                {
                    return new ClaimOutcome.DifferentRequest();
                }
                return existing.State == "DONE"
                    ? new ClaimOutcome.Replay((int)existing.Status!.Value, existing.Body!)
                    : new ClaimOutcome.InFlight();
            }
            return new ClaimOutcome.InFlight();
        }, ct);
    }

    public async Task ReleaseAsync(RequestKeyClaim claim)
    {
        await database.WriteAsync(async unit =>
        {
            var released = await claim.ReleaseAsync(unit.Connection, unit.Transaction);
            unit.Commit();
            return released;
        });
    }

    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        return await database.WriteAsync(async unit =>
        {
            var deleted = await unit.Connection.ExecuteAsync(
                "DELETE FROM idempotency_keys WHERE expires_at <= @now",
                new { now = time.GetUtcNow().ToUnixTimeMilliseconds() }, unit.Transaction);
            unit.Commit();
            return deleted;
        }, ct);
    }
}
