namespace Tunai.Gateway.Idempotency;

/// <summary>
/// The Request-Id of the merchant request being served (set by <see cref="IdempotencyFilter"/>). The endpoint
/// claims it first thing in its unit of writes and completes it there with its answer, so the claim, the effect
/// and the stored answer commit together or not at all: a refusal or a failure leaves nothing behind, and the
/// same request can be sent again.
/// </summary>
public sealed class RequestKey(RequestKeys keys, long merchantId, string requestId, string hash)
{
    private string? _token;

    /// <summary>True once the endpoint asked for the key (the filter checks that no endpoint forgets).</summary>
    public bool Asked { get; private set; }

    /// <summary>Null when the key is this request's now; otherwise the answer to give instead of doing the work.</summary>
    public async Task<IResult?> ClaimAsync(WriteUnit unit)
    {
        Asked = true;
        switch (await keys.ClaimAsync(unit, merchantId, requestId, hash))
        {
            case ClaimOutcome.Claimed claimed:
                _token = claimed.Token;
                return null;
            case ClaimOutcome.Replay replay:
                return new JsonBytesResult(StatusCodes.Status409Conflict, replay.Body, replayed: true);
            case ClaimOutcome.DifferentRequest:
                return new ApiError(StatusCodes.Status422UnprocessableEntity, "request_id_reused",
                    "This Request-Id was already used for a different request; use a new Request-Id", "Request-Id");
            default:
                return ApiError.Conflict("request_in_progress",
                    "A request with this Request-Id is still being processed; retry later with the same Request-Id");
        }
    }

    /// <summary>
    /// The key written at once with its answer, as the last of a request's writes together (see
    /// <see cref="WriteTogether"/>): a plain insert, so a key already held (a replay, the same request in flight, an
    /// expired key) fails the writes with a unique violation and the request takes its general path, which tells which.
    /// </summary>
    public BoundStatement AnswerAtOnce(int status, byte[] body)
    {
        Asked = true;
        return keys.AnswerAtOnce(merchantId, requestId, hash, status, body);
    }

    /// <summary>
    /// Stores the answer with the key, in the unit that claimed it and did the work. The unit holds the key's row
    /// from the claim on (a unit that runs alone has none beside it; where units run side by side the row is locked),
    /// so nothing can have taken it.
    /// </summary>
    public async Task CompleteAsync(WriteUnit unit, int status, byte[] body)
    {
        var token = _token ?? throw new InvalidOperationException("The Request-Id was not claimed in this unit");
        await keys.CompleteAsync(unit, merchantId, requestId, hash, token, status, body);
    }
}

public abstract record ClaimOutcome
{
    public sealed record Claimed(string Token) : ClaimOutcome;

    /// <summary>The token of a key that is free and not yet written: the unit writes it once, with its answer (<see cref="WriteUnit.RunsAlone"/>).</summary>
    public const string Unwritten = "";
    public sealed record Replay(int Status, byte[] Body) : ClaimOutcome;
    public sealed record DifferentRequest : ClaimOutcome;
    public sealed record InFlight : ClaimOutcome;
}

/// <summary>
/// Request-Id idempotency, decided by the primary key (merchant_id, request_id), never by check-then-insert.
/// A key is claimed and completed inside the unit of writes that does the work. Two requests with one key meet
/// at the key's row: where a unit runs alone (<see cref="WriteUnit.RunsAlone"/>) units run one after another, so the
/// second finds the first's answer; where units run side by side the second's insert waits for the first's
/// transaction and then finds the answer (or, if the first
/// rolled back, the key free). A key left IN_FLIGHT (a process that claimed outside the work's unit and crashed)
/// is taken over once its lease has run out.
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

    public RequestKey For(long merchantId, string requestId, string hash) => new(this, merchantId, requestId, hash);

    internal async Task<ClaimOutcome> ClaimAsync(WriteUnit unit, long merchantId, string requestId, string hash)
    {
        var (connection, tx) = (unit.Connection, unit.Transaction);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var args = new
        {
            merchantId, requestId, hash, token, now,
            expires = now + (long)options.MerchantApi.IdempotencyRetention.TotalMilliseconds,
            abandonedBefore = now - (long)options.MerchantApi.InFlightLease.TotalMilliseconds,
        };
        if (unit.RunsAlone)
        {
            // No other unit runs while this one does: nothing can take the key between this read and the unit's end,
            // so the key is written once, with its answer (CompleteAsync), instead of claimed and then completed. A
            // second process on the same file would make the unit's late write fail as busy, and the unit runs again.
            // Where units run side by side, the key is claimed by its row below: a unit never sees another's
            // uncommitted key, it waits on the row's lock for that transaction's outcome.
            var key = await unit.ReadAsync(Seen, (merchantId, requestId));
            if (key is null || key.ExpiresAt <= now || (key.State == "IN_FLIGHT" && key.LockedAt <= args.abandonedBefore))
            {
                return new ClaimOutcome.Claimed(ClaimOutcome.Unwritten);
            }
            if (!string.Equals(key.Hash, hash, StringComparison.Ordinal))
            {
                return new ClaimOutcome.DifferentRequest();
            }
            if (key.State != "DONE")
            {
                return new ClaimOutcome.InFlight();
            }
            // A replay: only now is the stored answer read.
            var body = await connection.ExecuteScalarAsync<byte[]>(
                "SELECT response_body FROM idempotency_keys WHERE merchant_id = @merchantId AND request_id = @requestId",
                new { merchantId, requestId }, tx);
            return new ClaimOutcome.Replay((int)key.Status!.Value, body!);
        }
        while (true)
        {
            var inserted = await connection.ExecuteAsync(
                """
                INSERT INTO idempotency_keys (merchant_id, request_id, request_hash, state, lock_token, locked_at, created_at, expires_at)
                VALUES (@merchantId, @requestId, @hash, 'IN_FLIGHT', @token, @now, @now, @expires)
                ON CONFLICT (merchant_id, request_id) DO NOTHING
                """, args, tx);
            if (inserted == 1)
            {
                return new ClaimOutcome.Claimed(token);
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
                return new ClaimOutcome.Claimed(token);
            }

            var existing = await connection.QuerySingleOrDefaultAsync<(string Hash, string State, long? Status, byte[]? Body)>(
                """
                SELECT request_hash, state, response_status, response_body FROM idempotency_keys
                WHERE merchant_id = @merchantId AND request_id = @requestId
                """, args, tx);
            if (existing.Hash is null)
            {
                // Units side by side: the key went between the statements (a sweeper deleted it while the update waited
                // for its row lock). It is free again: claim it afresh.
                continue;
            }
            if (!string.Equals(existing.Hash, hash, StringComparison.Ordinal))
            {
                return new ClaimOutcome.DifferentRequest();
            }
            return existing.State == "DONE"
                ? new ClaimOutcome.Replay((int)existing.Status!.Value, existing.Body!)
                : new ClaimOutcome.InFlight();
        }
    }

    /// <summary>What is held of a key, without its stored answer. Every create, update and cancel reads it first thing where a unit runs alone.</summary>
    private sealed record Key(string Hash, string State, long? Status, long ExpiresAt, long? LockedAt);

    private static readonly Query<(long MerchantId, string RequestId), Key> Seen = new(
        """
        SELECT request_hash, state, response_status, expires_at, locked_at FROM idempotency_keys
        WHERE merchant_id = @merchantId AND request_id = @requestId
        """,
        r => new Key(r.Text("request_hash"), r.Text("state"), r.LongOrNull("response_status"), r.Long("expires_at"), r.LongOrNull("locked_at")),
        ("merchantId", k => k.MerchantId), ("requestId", k => k.RequestId));

    internal BoundStatement AnswerAtOnce(long merchantId, string requestId, string hash, int status, byte[] body)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return WriteNew.Bind(new Answer(merchantId, requestId, hash, "", status, body, now,
            now + (long)options.MerchantApi.IdempotencyRetention.TotalMilliseconds, 0));
    }

    private static readonly Statement<Answer> WriteNew = new(
        """
        INSERT INTO idempotency_keys (merchant_id, request_id, request_hash, state, response_status, response_body, created_at, expires_at)
        VALUES (@merchantId, @requestId, @hash, 'DONE', @status, @body, @now, @expires)
        """,
        ("merchantId", a => a.MerchantId), ("requestId", a => a.RequestId), ("hash", a => a.Hash), ("status", a => a.Status),
        ("body", a => a.Body), ("now", a => a.Now), ("expires", a => a.Expires));

    /// <summary>Stores the answer with the key claimed in this unit (see <see cref="RequestKey.CompleteAsync"/>).</summary>
    internal async Task CompleteAsync(WriteUnit unit, long merchantId, string requestId, string hash, string token, int status, byte[] body)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var answer = new Answer(merchantId, requestId, hash, token, status, body, now,
            now + (long)options.MerchantApi.IdempotencyRetention.TotalMilliseconds, now - (long)options.MerchantApi.InFlightLease.TotalMilliseconds);
        if (token == ClaimOutcome.Unwritten)
        {
            // Replaces only a key the claim found expired or abandoned; a live one would mean the claim was wrong.
            if (await unit.ExecuteAsync(WriteOnce, answer) != 1)
            {
                throw new InvalidOperationException($"Request-Id {requestId} was taken while its unit held the writer");
            }
            return;
        }
        // Exactly the claimed row, or the unit fails: among the unit's deferred writes (see WriteUnit.Later).
        unit.Later(Complete, answer, rows: 1);
    }

    private sealed record Answer(long MerchantId, string RequestId, string Hash, string Token, int Status, byte[] Body, long Now, long Expires,
        long AbandonedBefore);

    /// <summary>The key written once, with its answer, by a unit that runs alone (see <see cref="ClaimAsync"/>).</summary>
    private static readonly Statement<Answer> WriteOnce = new(
        """
        INSERT INTO idempotency_keys (merchant_id, request_id, request_hash, state, response_status, response_body, created_at, expires_at)
        VALUES (@merchantId, @requestId, @hash, 'DONE', @status, @body, @now, @expires)
        ON CONFLICT (merchant_id, request_id) DO UPDATE SET
            request_hash = excluded.request_hash, state = 'DONE', lock_token = NULL, locked_at = NULL,
            response_status = excluded.response_status, response_body = excluded.response_body,
            created_at = excluded.created_at, expires_at = excluded.expires_at
        WHERE idempotency_keys.expires_at <= @now OR (idempotency_keys.state = 'IN_FLIGHT' AND idempotency_keys.locked_at <= @abandonedBefore)
        """,
        ("merchantId", a => a.MerchantId), ("requestId", a => a.RequestId), ("hash", a => a.Hash), ("status", a => a.Status),
        ("body", a => a.Body), ("now", a => a.Now), ("expires", a => a.Expires), ("abandonedBefore", a => a.AbandonedBefore));

    /// <summary>The answer stored with the key this unit claimed.</summary>
    private static readonly Statement<Answer> Complete = new(
        """
        UPDATE idempotency_keys
        SET state = 'DONE', response_status = @status, response_body = @body, lock_token = NULL
        WHERE merchant_id = @merchantId AND request_id = @requestId AND lock_token = @token AND state = 'IN_FLIGHT'
        """,
        ("status", a => a.Status), ("body", a => a.Body), ("merchantId", a => a.MerchantId), ("requestId", a => a.RequestId),
        ("token", a => a.Token));

    /// <summary>
    /// Deletes expired keys a thousand at a time, each batch its own unit: a day of keys can be millions of rows,
    /// and where a unit runs alone one long unit would hold up every request behind it.
    /// </summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        const int batch = 1000;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var total = 0;
        int deleted;
        do
        {
            deleted = await database.WriteAsync(async unit =>
            {
                var rows = await unit.Connection.ExecuteAsync(
                    """
                    DELETE FROM idempotency_keys WHERE (merchant_id, request_id) IN (
                        SELECT merchant_id, request_id FROM idempotency_keys WHERE expires_at <= @now LIMIT @batch)
                    """, new { now, batch }, unit.Transaction);
                unit.Commit();
                return rows;
            }, ct);
            total += deleted;
        }
        while (deleted == batch);
        return total;
    }
}
