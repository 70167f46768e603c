using Tunai.Gateway.Admin;
using Tunai.Gateway.Notifications;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Acquirers;
using Tunai.Gateway.Store;
using Tunai.Gateway.Settlement;

namespace Tunai.Gateway.Reconciliation;

public static class ReconciliationClass
{
    public const string Matched = "MATCHED";
    public const string AmountMismatch = "AMOUNT_MISMATCH";
    public const string StatusMismatch = "STATUS_MISMATCH";
    public const string UnknownToTunai = "UNKNOWN_TO_TUNAI";
    public const string MissingFromFile = "MISSING_FROM_FILE";

    public static readonly string[] All = [Matched, AmountMismatch, StatusMismatch, UnknownToTunai, MissingFromFile];
}

/// <summary>One row of the acquirer's daily file (see docs/reconciliation.md).</summary>
public sealed record FileRow(int Line, string TrxId, string PaymentCode, long Amount, DateTimeOffset PaidAt, string StoreId, string? TerminalId, string Status);

public sealed record ReconciliationRowView(int Line, string Class, string TrxId, string PaymentCode, long? FileAmount, string? FileStatus,
    long? TunaiAmount, string? TunaiStatus, string? PaymentId, string? Detail, string? ResolvedPaymentId);

public sealed record ReconciliationView(string Id, string Acquirer, string Date, string CreatedAt, IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<ReconciliationRowView> Rows)
{
    /// <summary>More rows follow: ask again with after_line set to this.</summary>
    public int? NextAfterLine { get; init; }
}

public sealed record ReconciliationList(IReadOnlyList<ReconciliationView> Items);

/// <summary>
/// The acquirer's daily file against Tunai's payments: <c>POST /admin/v1/acquirers/{id}/reconciliations?date=yyyy-MM-dd</c>
/// (text/csv), kept and listable; an operator records a payment Tunai never heard of with
/// <c>POST /admin/v1/reconciliations/{id}/rows/{line}/resolve</c>, which notifies the merchant like any payment.
/// </summary>
public static class Reconciler
{
    public const string Header = "trx_id,payment_code,amount,paid_at,store_id,terminal_id,status";
    public const int MaxFileBytes = 16 * 1024 * 1024;

    private sealed record Row
    {
        public long Id { get; init; }
        public long Line { get; init; }
        public string Class { get; init; } = "";
        public string TrxId { get; init; } = "";
        public string PaymentCode { get; init; } = "";
        public long? FileAmount { get; init; }
        public string? FileStatus { get; init; }
        public long? FilePaidAt { get; init; }
        public string? StoreId { get; init; }
        public string? TerminalId { get; init; }
        public long? TunaiAmount { get; init; }
        public string? TunaiStatus { get; init; }
        public string? PaymentId { get; init; }
        public string? Detail { get; init; }
        public string? ResolvedPaymentId { get; init; }
    }

    private sealed record StoredHeader
    {
        public long Id { get; init; }
        public string ReconciliationId { get; init; } = "";
        public long AcquirerId { get; init; }
        public string AcquirerCode { get; init; } = "";
        public string BusinessDate { get; init; } = "";
        public long CreatedAt { get; init; }
    }

    public static IEndpointRouteBuilder MapReconciliation(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/v1/acquirers/{id}/reconciliations").RequireAdminToken().MapPost("", Import);
        app.MapGroup("/admin/v1/acquirers/{id}/reconciliations").RequireAdminToken().MapGet("", List);
        var one = app.MapGroup("/admin/v1/reconciliations").RequireAdminToken();
        one.MapGet("/{reconciliationId}", Get);
        one.MapPost("/{reconciliationId}/rows/{line:int}/resolve", Resolve);
        return app;
    }

    /// <summary>How far ahead of the gateway's clock a row's paid_at may be: the store's clock may run a little fast.</summary>
    public static readonly TimeSpan PaidAtSkew = TimeSpan.FromMinutes(5);

    /// <summary>How many rows a page of a reconciliation's result holds, at most (the admin API's and the back office's).</summary>
    public const int MaxPageRows = 1000;

    /// <summary>
    /// The file's text: UTF-8, with or without the byte order mark spreadsheet programs write, or UTF-16 with its byte
    /// order mark ("Unicode text" in Excel). Any other invalid UTF-8 is refused with the line it is on, rather than
    /// read as U+FFFD and stored.
    /// </summary>
    public static (string? Text, ApiError? Error) Decode(byte[] bytes)
    {
        if (bytes is [0xFF, 0xFE, ..] || bytes is [0xFE, 0xFF, ..])
        {
            var utf16 = bytes[0] == 0xFF ? new UnicodeEncoding(false, false, throwOnInvalidBytes: true) : new UnicodeEncoding(true, false, throwOnInvalidBytes: true);
            try
            {
                return (utf16.GetString(bytes, 2, bytes.Length - 2), null);
            }
            catch (DecoderFallbackException)
            {
                return (null, ApiError.Validation("body", "the file starts with a UTF-16 byte order mark but is not valid UTF-16"));
            }
        }
        var start = bytes is [0xEF, 0xBB, 0xBF, ..] ? 3 : 0;
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        try
        {
            return (strict.GetString(bytes, start, bytes.Length - start), null);
        }
        catch (DecoderFallbackException e)
        {
            var at = start + Math.Max(0, e.Index);
            var line = 1 + bytes.AsSpan(0, Math.Min(at, bytes.Length)).Count((byte)'\n');
            return (null, ApiError.Validation($"line {line}", $"line {line} is not valid UTF-8 (save the file as UTF-8 or UTF-16)"));
        }
    }

    /// <summary>RFC 4180 rows of the file; the header must be <see cref="Header"/>. A refusal names the line and column.</summary>
    public static (List<FileRow>? Rows, ApiError? Error) Parse(string text, DateTimeOffset now)
    {
        // Control and direction characters (NUL, ESC, U+202E) mean nothing in a store's file and would be stored as
        // they are (the database refuses a NUL, see Database): refused with their line, before any field is read. Line breaks
        // and the tab are the file's own.
        var line = 1;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                line++;
            }
            else if (c is not ('\r' or '\t') && TextRules.IsRefused(c))
            {
                return (null, ApiError.Validation($"line {line}", $"line {line} holds a control or direction character ({TextRules.Name(c)})"));
            }
        }
        var records = new List<List<string>>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    records.Add(fields);
                    fields = [];
                    break;
                default:
                    field.Append(ch);
                    break;
            }
        }
        if (quoted)
        {
            return (null, ApiError.Validation("body", "the file ends inside a quoted field"));
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            records.Add(fields);
        }
        if (records.Count == 0 || string.Join(',', records[0]).Trim() != Header)
        {
            return (null, ApiError.Validation("line 1", $"the first line must be the header {Header}"));
        }
        var rows = new List<FileRow>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var r = 1; r < records.Count; r++)
        {
            line = r + 1;
            var f = records[r];
            if (f.Count == 1 && f[0].Length == 0)
            {
                continue;
            }
            if (f.Count != 7)
            {
                return (null, ApiError.Validation($"line {line}", $"line {line} must have 7 fields ({Header})"));
            }
            string Fail(string column, string rule) => $"line {line}.{column} {rule}";
            if (f[0].Length is 0 or > 64 || !seen.Add(f[0]))
            {
                return (null, ApiError.Validation($"line {line}.trx_id", Fail("trx_id", "must be 1 to 64 characters and appear once in the file")));
            }
            if (f[1].Length is 0 or > 20 || !f[1].All(char.IsAsciiDigit))
            {
                return (null, ApiError.Validation($"line {line}.payment_code", Fail("payment_code", "must be up to 20 digits")));
            }
            if (!long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount < 1 || f[2].Length > 12)
            {
                return (null, ApiError.Validation($"line {line}.amount", Fail("amount", "must be a whole rupiah amount of 1 to 12 digits")));
            }
            if (!DateTimeOffset.TryParse(f[3], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var paidAt) || !f[3].Contains('T', StringComparison.Ordinal))
            {
                return (null, ApiError.Validation($"line {line}.paid_at", Fail("paid_at", "must be ISO-8601 with a time and offset, e.g. 2026-11-30T03:15:00Z")));
            }
            if (paidAt > now + PaidAtSkew)
            {
                // A payment dated ahead would become one that is reversible at once and settles on a day yet to come.
                return (null, ApiError.Validation($"line {line}.paid_at", Fail("paid_at", $"must not be in the future (it is {WireDates.Utc(now)})")));
            }
            if (f[4].Length is 0 or > 32 || f[5].Length > 32)
            {
                return (null, ApiError.Validation($"line {line}.store_id", Fail("store_id", "must be 1 to 32 characters (terminal_id at most 32)")));
            }
            if (f[6] is not ("PAID" or "REVERSED"))
            {
                return (null, ApiError.Validation($"line {line}.status", Fail("status", "must be PAID or REVERSED")));
            }
            rows.Add(new FileRow(line, f[0], f[1], amount, paidAt, f[4], f[5].Length == 0 ? null : f[5], f[6]));
        }
        return (rows, null);
    }

    /// <summary>The class of a file row against Tunai's payment of the same trx_id (null: none).</summary>
    public static (string Class, string? Detail) Classify(FileRow row, Payment? payment) => payment switch
    {
        null => (ReconciliationClass.UnknownToTunai, "the store took this payment but Tunai has no record of it"),
        _ when payment.Code != row.PaymentCode => (ReconciliationClass.AmountMismatch, $"Tunai recorded trx_id {row.TrxId} on payment code {payment.Code}"),
        _ when payment.Amount != row.Amount => (ReconciliationClass.AmountMismatch, $"the file says {row.Amount}, Tunai {payment.Amount}"),
        _ when (payment.Status == "REVERSED") != (row.Status == "REVERSED") => (ReconciliationClass.StatusMismatch, $"the file says {row.Status}, Tunai {payment.Status}"),
        _ => (ReconciliationClass.Matched, null),
    };

    private static async Task<IResult> Import(string id, HttpContext http, Database database, TimeProvider time, string? date)
    {
        if (!Reports.TryParseDate(date, out var day))
        {
            return ApiError.Validation("date", "date must be the business day (WIB) of the file as yyyy-MM-dd");
        }
        if (http.Request.ContentType?.Split(';')[0].Trim().Equals("text/csv", StringComparison.OrdinalIgnoreCase) != true)
        {
            return new ApiError(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "The reconciliation file must be sent as text/csv");
        }
        // Read up to the limit and no further: a larger file is refused without being held in memory.
        if (http.Request.ContentLength > MaxFileBytes)
        {
            return TooLarge();
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int got;
        while ((got = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + got > MaxFileBytes)
            {
                return TooLarge();
            }
            buffer.Write(chunk, 0, got);
        }
        var (reconciliationId, refused) = await ImportAsync(database, id, date!, buffer.ToArray(), time.GetUtcNow().ToUnixTimeMilliseconds(),
            Tunai.Gateway.Audit.AuditActor.AdminToken(http), http.RequestAborted);
        if (refused is not null)
        {
            return refused;
        }
        await using var read = await database.OpenAsync(http.RequestAborted);
        return WireJson.Ok(await ViewAsync(read, reconciliationId!, matched: false));
    }

    /// <summary>
    /// Imports one acquirer's file of one business day (yyyy-MM-dd, already checked), audited as <paramref name="auditAs"/>
    /// in the unit that keeps it. The same bytes again return the first import's id and change nothing.
    /// </summary>
    public static async Task<(string? ReconciliationId, ApiError? Error)> ImportAsync(Database database, string acquirerCode, string date, byte[] bytes,
        long now, Tunai.Gateway.Audit.AuditActor auditAs, CancellationToken ct)
    {
        var id = acquirerCode;
        if (bytes.Length > MaxFileBytes)
        {
            return (null, TooLarge());
        }
        var day = DateOnly.ParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var (text, undecodable) = Decode(bytes);
        if (undecodable is not null)
        {
            return (null, undecodable);
        }
        var (rows, invalid) = Parse(text!, DateTimeOffset.FromUnixTimeMilliseconds(now));
        if (invalid is not null)
        {
            return (null, invalid);
        }
        var hash = Convert.ToHexString(SHA256.HashData(bytes));
        var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(7)).ToUnixTimeMilliseconds();
        var token = Guid.NewGuid().ToString("N");

        // 1. The import's header, claimed by this import (or the first import's result, when the file was imported).
        var claim = await database.WriteAsync(async unit =>
        {
            var (c, tx) = (unit.Connection, unit.Transaction);
            var acquirerId = await c.QuerySingleOrDefaultAsync<long?>("SELECT id FROM acquirers WHERE code = @id", new { id }, tx);
            if (acquirerId is null)
            {
                return new Claim(ClaimOutcome.NoAcquirer, 0, 0, null);
            }
            var recId = $"REC-{date!.Replace("-", "", StringComparison.Ordinal)}-{id}-{hash[..12]}";
            var inserted = await c.QuerySingleOrDefaultAsync<long?>(
                """
                INSERT INTO reconciliations (reconciliation_id, acquirer_id, business_date, file_hash, created_at, import_token)
                VALUES (@recId, @acquirerId, @date, @hash, @now, @token)
                ON CONFLICT (acquirer_id, file_hash) DO NOTHING
                RETURNING id
                """, new { recId, acquirerId, date, hash, now, token }, tx);
            if (inserted is not null)
            {
                unit.Commit();
                return new Claim(ClaimOutcome.Claimed, inserted.Value, acquirerId.Value, recId);
            }
            var existing = await c.QuerySingleAsync<(long Id, string ReconciliationId, long? CompletedAt, long CreatedAt, string? ImportToken)>(
                "SELECT id, reconciliation_id, completed_at, created_at, import_token FROM reconciliations WHERE acquirer_id = @acquirerId AND file_hash = @hash",
                new { acquirerId, hash }, tx);
            if (existing.CompletedAt is not null)
            {
                // The same file again: the first import's result stands, nothing changes.
                return new Claim(ClaimOutcome.Imported, existing.Id, acquirerId.Value, existing.ReconciliationId);
            }
            if (existing.CreatedAt > now - (long)AbandonedAfter.TotalMilliseconds)
            {
                return new Claim(ClaimOutcome.InProgress, existing.Id, acquirerId.Value, existing.ReconciliationId);
            }
            // Left half-written (the process died while writing it): this import takes it over and starts it again.
            var taken = await c.ExecuteAsync(
                """
                UPDATE reconciliations SET import_token = @token, created_at = @now
                WHERE id = @rowId AND completed_at IS NULL AND import_token = @old
                """, new { token, now, rowId = existing.Id, old = existing.ImportToken }, tx);
            if (taken != 1)
            {
                return new Claim(ClaimOutcome.InProgress, existing.Id, acquirerId.Value, existing.ReconciliationId);
            }
            await c.ExecuteAsync("DELETE FROM reconciliation_rows WHERE reconciliation_id = @rowId", new { rowId = existing.Id }, tx);
            unit.Commit();
            return new Claim(ClaimOutcome.Claimed, existing.Id, acquirerId.Value, existing.ReconciliationId);
        }, ct);
        switch (claim.Outcome)
        {
            case ClaimOutcome.NoAcquirer:
                return (null, ApiError.NotFound("acquirer_not_found", $"No acquirer has id {id}"));
            case ClaimOutcome.Imported:
                return (claim.ReconciliationId, null);
            case ClaimOutcome.InProgress:
                return (null, ApiError.Conflict("import_in_progress",
                    $"This file is being imported ({claim.ReconciliationId}); its result is listed once complete. Try again in a minute."));
        }

        // 2. Each row classified against the payments, read outside the writer.
        var lines = new List<RowToWrite>(rows!.Count);
        await using (var read = await database.OpenAsync(CancellationToken.None))
        {
            var ofTheDay = (await read.QueryAsync<Payment>(
                """
                SELECT id, payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount, status,
                    agent_id, store_id, terminal_id, store_date, additional_info, paid_at, reversed_at
                FROM payments WHERE acquirer_id = @acquirerId AND paid_at >= @start AND paid_at < @end
                """, new { acquirerId = claim.AcquirerId, start, end = start + 86_400_000L })).ToDictionary(p => p.TrxId, StringComparer.Ordinal);
            foreach (var row in rows)
            {
                var payment = ofTheDay.GetValueOrDefault(row.TrxId) ?? await PaymentStore.FindByTrxAsync(read, null!, claim.AcquirerId, row.TrxId);
                var (kind, detail) = Classify(row, payment);
                lines.Add(new RowToWrite(lines.Count + 1, kind, row.TrxId, row.PaymentCode, row.Amount, row.Status,
                    row.PaidAt.ToUnixTimeMilliseconds(), row.StoreId, row.TerminalId, payment, detail));
            }
            var inFile = rows.Select(r => r.TrxId).ToHashSet(StringComparer.Ordinal);
            foreach (var missing in ofTheDay.Values.Where(p => !inFile.Contains(p.TrxId)).OrderBy(p => p.Id))
            {
                lines.Add(new RowToWrite(lines.Count + 1, ReconciliationClass.MissingFromFile, missing.TrxId, missing.Code, null, null, null,
                    missing.StoreId, missing.TerminalId, missing, "Tunai recorded this payment; the store's file does not list it"));
            }
        }

        // 3. The rows in chunks, each a unit of its own: the writer serves payments between them. Each chunk checks
        // that this import still owns the header; the last one completes it, with its audit entry.
        for (var first = 0; first < lines.Count || first == 0; first += ChunkRows)
        {
            var chunk = lines.Skip(first).Take(ChunkRows).ToList();
            var last = first + ChunkRows >= lines.Count;
            var owned = await database.WriteAsync(async unit =>
            {
                var (c, tx) = (unit.Connection, unit.Transaction);
                var mine = await c.ExecuteAsync(
                    last
                        ? "UPDATE reconciliations SET completed_at = @now, import_token = NULL WHERE id = @rowId AND import_token = @token AND completed_at IS NULL"
                        : "UPDATE reconciliations SET import_token = @token WHERE id = @rowId AND import_token = @token AND completed_at IS NULL",
                    new { now, rowId = claim.RowId, token }, tx);
                if (mine != 1)
                {
                    return false;
                }
                foreach (var l in chunk)
                {
                    await InsertRowAsync(c, tx, claim.RowId, l.Line, l.Class, l.TrxId, l.Code, l.FileAmount, l.FileStatus, l.FilePaidAt,
                        l.StoreId, l.TerminalId, l.Payment, l.Detail);
                }
                if (last)
                {
                    await Tunai.Gateway.Audit.AuditTrail.WriteAsync(unit, auditAs, "reconciliation.import", claim.ReconciliationId, null,
                        new { acquirer = id, date, rows = lines.Count, file_sha256 = hash }, now);
                }
                unit.Commit();
                return true;
            }, CancellationToken.None); // once begun, finished even if the caller goes: a half-written import helps nobody
            if (!owned)
            {
                return (null, ApiError.Conflict("import_in_progress",
                    $"Another import of this file took over {claim.ReconciliationId}; its result is listed once complete."));
            }
            if (last)
            {
                break;
            }
        }
        return (claim.ReconciliationId, null);
    }

    /// <summary>Rows written per unit of work: a few milliseconds of the writer, so a payment never waits long behind a file.</summary>
    internal const int ChunkRows = 500;

    /// <summary>An import whose header has not been completed for this long is taken to be abandoned (its process died).</summary>
    internal static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);

    private enum ClaimOutcome
    {
        NoAcquirer,
        Imported,
        InProgress,
        Claimed,
    }

    private sealed record Claim(ClaimOutcome Outcome, long RowId, long AcquirerId, string? ReconciliationId);

    private sealed record RowToWrite(int Line, string Class, string TrxId, string Code, long? FileAmount, string? FileStatus, long? FilePaidAt,
        string? StoreId, string? TerminalId, Payment? Payment, string? Detail);

    public static ApiError TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"The file may be at most {MaxFileBytes / (1024 * 1024)} MiB ({MaxFileBytes} bytes); split it by day");

    private static Task<int> InsertRowAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, long reconciliation, int line, string kind,
        string trxId, string code, long? fileAmount, string? fileStatus, long? filePaidAt, string? storeId, string? terminalId, Payment? payment, string? detail) =>
        c.ExecuteAsync(
            """
            INSERT INTO reconciliation_rows (reconciliation_id, line, class, trx_id, payment_code, file_amount, file_status, file_paid_at,
                store_id, terminal_id, tunai_amount, tunai_status, payment_id, detail)
            VALUES (@reconciliation, @line, @kind, @trxId, @code, @fileAmount, @fileStatus, @filePaidAt,
                @storeId, @terminalId, @tunaiAmount, @tunaiStatus, @paymentId, @detail)
            """,
            new
            {
                reconciliation, line, kind, trxId, code, fileAmount, fileStatus, filePaidAt, storeId, terminalId,
                tunaiAmount = payment?.Amount, tunaiStatus = payment is null ? null : payment.Status == "REVERSED" ? "REVERSED" : "PAID",
                paymentId = payment?.PaymentId, detail,
            }, tx);

    private const string HeaderSql =
        """
        SELECT r.id, r.reconciliation_id, r.acquirer_id, a.code AS acquirer_code, r.business_date, r.created_at
        FROM reconciliations r JOIN acquirers a ON a.id = r.acquirer_id
        WHERE r.completed_at IS NOT NULL
        """;

    /// <summary>
    /// A reconciliation with its counts (counted by the database) and one page of its rows: those after line
    /// <paramref name="afterLine"/>, at most <paramref name="limit"/>, in line order (all classes, or all but MATCHED,
    /// or one class). <see cref="ReconciliationView.NextAfterLine"/> says where the next page starts, if there is one.
    /// </summary>
    public static async Task<ReconciliationView?> ViewAsync(System.Data.Common.DbConnection c, string reconciliationId, bool matched,
        int afterLine = 0, int limit = MaxPageRows, string? onlyClass = null)
    {
        var header = await c.QuerySingleOrDefaultAsync<StoredHeader>($"{HeaderSql} AND r.reconciliation_id = @reconciliationId", new { reconciliationId });
        if (header is null)
        {
            return null;
        }
        var counted = (await c.QueryAsync<(string Class, long Count)>(
            "SELECT class, COUNT(*) FROM reconciliation_rows WHERE reconciliation_id = @id GROUP BY class", new { id = header.Id }))
            .ToDictionary(k => k.Class, k => (int)k.Count);
        var counts = ReconciliationClass.All.ToDictionary(k => k, k => counted.GetValueOrDefault(k));
        limit = Math.Clamp(limit, 0, MaxPageRows);
        var rows = limit == 0 ? [] : (await c.QueryAsync<Row>(
            """
            SELECT id, line, class, trx_id, payment_code, file_amount, file_status, file_paid_at, store_id, terminal_id,
                tunai_amount, tunai_status, payment_id, detail, resolved_payment_id
            FROM reconciliation_rows
            WHERE reconciliation_id = @id AND line > @afterLine AND (@onlyClass IS NULL OR class = @onlyClass) AND (@matched OR class <> 'MATCHED')
            ORDER BY line LIMIT @more
            """, new { id = header.Id, afterLine, onlyClass, matched, more = limit + 1 })).ToList();
        var next = rows.Count > limit ? (int?)rows[limit - 1].Line : null;
        return new ReconciliationView(header.ReconciliationId, header.AcquirerCode, header.BusinessDate,
            WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(header.CreatedAt)), counts,
            rows.Take(limit).Select(r => new ReconciliationRowView((int)r.Line, r.Class, r.TrxId, r.PaymentCode, r.FileAmount, r.FileStatus, r.TunaiAmount,
                r.TunaiStatus, r.PaymentId, r.Detail, r.ResolvedPaymentId)).ToList())
        {
            NextAfterLine = next,
        };
    }

    private static async Task<IResult> Get(string reconciliationId, HttpContext http, Database database, int? after_line, int? limit)
    {
        await using var c = await database.OpenAsync(http.RequestAborted);
        return await ViewAsync(c, reconciliationId, matched: true, Math.Max(0, after_line ?? 0), limit ?? MaxPageRows) is { } view
            ? WireJson.Ok(view)
            : ApiError.NotFound("reconciliation_not_found", $"No reconciliation has id {reconciliationId}");
    }

    private static async Task<IResult> List(string id, HttpContext http, Database database)
    {
        await using var c = await database.OpenAsync(http.RequestAborted);
        return WireJson.Ok(new ReconciliationList(await ListAsync(c, id)));
    }

    /// <summary>An acquirer's last 100 imports, newest first, with their counts (counted by the database) and without their rows.</summary>
    public static async Task<IReadOnlyList<ReconciliationView>> ListAsync(System.Data.Common.DbConnection c, string acquirerCode)
    {
        var headers = (await c.QueryAsync<StoredHeader>(
            $"{HeaderSql} AND a.code = @acquirerCode ORDER BY r.id DESC LIMIT 100", new { acquirerCode })).ToList();
        if (headers.Count == 0)
        {
            return [];
        }
        var counted = (await c.QueryAsync<(long Id, string Class, long Count)>(
            """
            SELECT x.reconciliation_id, x.class, COUNT(*) FROM reconciliation_rows x
            WHERE x.reconciliation_id >= @oldest AND x.reconciliation_id IN (SELECT r.id FROM reconciliations r JOIN acquirers a ON a.id = r.acquirer_id WHERE a.code = @acquirerCode)
            GROUP BY x.reconciliation_id, x.class
            """, new { oldest = headers[^1].Id, acquirerCode })).ToLookup(k => k.Id);
        return headers.Select(h => new ReconciliationView(h.ReconciliationId, h.AcquirerCode, h.BusinessDate,
            WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(h.CreatedAt)),
            ReconciliationClass.All.ToDictionary(k => k, k => (int)counted[h.Id].Where(x => x.Class == k).Sum(x => x.Count)), [])).ToList();
    }

    /// <summary>
    /// Records an UNKNOWN_TO_TUNAI row's payment as the store took it (its trx_id, amount and time; the code may have
    /// expired since), in one unit of work with its journal transaction, the merchant's notification and an audit
    /// entry naming the reconciliation. The row's conditional update decides: it is resolved once.
    /// </summary>
    private static async Task<IResult> Resolve(string reconciliationId, int line, HttpContext http, Database database, TimeProvider time, Outbox outbox)
    {
        var (row, refused) = await ResolveAsync(database, outbox, reconciliationId, line, time.GetUtcNow().ToUnixTimeMilliseconds(),
            Tunai.Gateway.Audit.AuditActor.AdminToken(http), http.RequestAborted);
        return refused ?? (IResult)WireJson.Ok(row!);
    }

    /// <summary>The resolution itself, for the admin API and the back office alike; the audit entry names the reconciliation.</summary>
    public static async Task<(ReconciliationRowView? Row, ApiError? Error)> ResolveAsync(Database database, Outbox outbox, string reconciliationId, int line,
        long at, Tunai.Gateway.Audit.AuditActor auditAs, CancellationToken ct)
    {
        return await database.WriteAsync<(ReconciliationRowView?, ApiError?)>(async unit =>
        {
            var (c, tx) = (unit.Connection, unit.Transaction);
            var header = await c.QuerySingleOrDefaultAsync<StoredHeader>($"{HeaderSql} AND r.reconciliation_id = @reconciliationId", new { reconciliationId }, tx);
            var row = header is null ? null : await c.QuerySingleOrDefaultAsync<Row>(
                """
                SELECT id, line, class, trx_id, payment_code, file_amount, file_status, file_paid_at, store_id, terminal_id,
                    tunai_amount, tunai_status, payment_id, detail, resolved_payment_id
                FROM reconciliation_rows WHERE reconciliation_id = @id AND line = @line
                """, new { id = header.Id, line }, tx);
            if (row is null)
            {
                return (null, ApiError.NotFound("row_not_found", $"Reconciliation {reconciliationId} has no line {line}"));
            }
            if (row.Class != ReconciliationClass.UnknownToTunai || row.FileStatus != "PAID")
            {
                return (null, ApiError.Conflict("row_not_resolvable", $"Only an UNKNOWN_TO_TUNAI row of a PAID payment can be recorded; line {line} is {row.Class}"));
            }
            if (row.ResolvedPaymentId is not null)
            {
                return (null, ApiError.Conflict("row_already_resolved", $"Line {line} was already recorded as payment {row.ResolvedPaymentId}"));
            }
            var acquirer = await c.QuerySingleAsync<Acquirer>(
                "SELECT id, code, name, client_id, secret_key, created_at FROM acquirers WHERE id = @id", new { id = header!.AcquirerId }, tx);
            if (await PaymentStore.FindByTrxAsync(c, tx, acquirer.Id, row.TrxId) is { } known)
            {
                return (null, ApiError.Conflict("payment_exists", $"trx_id {row.TrxId} has been recorded since, as payment {known.PaymentId}; import the file again"));
            }
            // The life of the code the customer paid: one registered since (the code billed again) is not it.
            var priced = await PaymentCodeStore.FindPricedAsync(unit, row.PaymentCode, acquirer.Id, registeredBy: row.FilePaidAt!.Value);
            if (priced is null)
            {
                return (null, ApiError.NotFound("payment_code_not_found", $"Payment code {row.PaymentCode} is not known; the payment cannot be attributed to a merchant"));
            }
            var code = priced.Code;
            if (code.Amount != row.FileAmount)
            {
                return (null, new ApiError(StatusCodes.Status400BadRequest, "amount_mismatch", $"The file's amount {row.FileAmount} is not the code's amount {code.Amount}"));
            }
            var paidAt = row.FilePaidAt!.Value;
            var paidAtText = WireDates.Utc(DateTimeOffset.FromUnixTimeMilliseconds(paidAt));
            // The code as read: if it changed since (paid, cancelled, its amount), the payment is refused and nothing written.
            var payment = await PaymentStore.PayAsync(unit, outbox, acquirer, priced,
                new PaymentStore.TakenAtStore(row.TrxId, acquirer.Code, row.StoreId ?? "", row.TerminalId, paidAtText, paidAt), CodeTaking.ExpiredSinceToo, at,
                new PaymentStore.StoreEvent(acquirer.Id, "PAYMENT", code.Code, row.TrxId, acquirer.Code, row.StoreId,
                row.TerminalId, StoreOutcome.Success, $"recorded by an operator from reconciliation {reconciliationId} line {line}", null,
                $"{row.TrxId},{row.PaymentCode},{row.FileAmount},{paidAtText},{row.StoreId},{row.TerminalId},{row.FileStatus}", at));
            if (payment is null)
            {
                var now = await PaymentCodeStore.FindByCodeAsync(c, code.Code, tx);
                return (null, now is not null && now.Amount != code.Amount
                    ? new ApiError(StatusCodes.Status400BadRequest, "amount_mismatch", $"The file's amount {row.FileAmount} is not the code's amount {now.Amount}")
                    : ApiError.Conflict($"payment_code_{(now?.Status ?? code.Status).ToLowerInvariant()}",
                        $"Payment code {code.Code} is {(now?.Status ?? code.Status).ToLowerInvariant()}; record this payment by hand"));
            }
            if (await c.ExecuteAsync("UPDATE reconciliation_rows SET resolved_payment_id = @paymentId, resolved_at = @at WHERE id = @id AND resolved_payment_id IS NULL",
                    new { paymentId = payment.PaymentId, at, id = row.Id }, tx) != 1)
            {
                return (null, ApiError.Conflict("row_already_resolved", $"Line {line} was resolved meanwhile"));
            }
            await Tunai.Gateway.Audit.AuditTrail.WriteAsync(unit, auditAs, "reconciliation.resolve", $"{reconciliationId}/{line}", null,
                new { reconciliation = reconciliationId, line, row.TrxId, row.PaymentCode, amount = payment.Amount, payment.PaymentId }, at);
            unit.Commit();
            return (new ReconciliationRowView(line, row.Class, row.TrxId, row.PaymentCode, row.FileAmount, row.FileStatus,
                payment.Amount, "PAID", payment.PaymentId, row.Detail, payment.PaymentId), null);
        }, ct);
    }
}
