using System.Data.Common;
using Dapper;

namespace Tunai.Gateway.PaymentCodes;

/// <summary>The SQL of payment codes. Every state change is one conditional statement whose row count decides.</summary>
public static class PaymentCodeStore
{
    public const string Columns =
        """
        id, merchant_id, code, kind, invoice_number, amount, status, reusable, info, info2, info3,
        customer_name, customer_email, footer_message, insurance_info, account_id, settlement,
        override_notification_url, additional_info, request_id, how_to_pay_token, created_at, expires_at,
        updated_at, paid_at, cancelled_at
        """;

    /// <summary>The columns qualified with the alias <c>p</c>, for joins.</summary>
    public static readonly string ColumnsOfP = string.Join(", ", Columns.Split(',').Select(c => "p." + c.Trim()));

    /// <summary>Marks the merchant's active codes for this invoice that are past expiry as EXPIRED, freeing the invoice; how many it marked.</summary>
    public static Task<int> ExpireInvoiceAsync(DbConnection c, DbTransaction tx, long merchantId, string invoiceNumber, long now) =>
        c.ExecuteAsync(
            """
            UPDATE payment_codes SET status = 'EXPIRED', updated_at = @now
            WHERE merchant_id = @merchantId AND invoice_number = @invoiceNumber AND status = 'ACTIVE' AND expires_at <= @now
            """, new { merchantId, invoiceNumber, now }, tx);

    /// <summary>True when a code that is active or paid holds the merchant's invoice number (the partial unique index's rule).</summary>
    public static async Task<bool> InvoiceHeldAsync(DbConnection c, DbTransaction tx, long merchantId, string invoiceNumber) =>
        await c.ExecuteScalarAsync<long?>(
            "SELECT 1 FROM payment_codes WHERE merchant_id = @merchantId AND invoice_number = @invoiceNumber AND status IN ('ACTIVE', 'PAID')",
            new { merchantId, invoiceNumber }, tx) is not null;

    public static async Task<bool> CodeTakenAsync(DbConnection c, DbTransaction tx, string code) =>
        await c.ExecuteScalarAsync<long?>("SELECT 1 FROM payment_codes WHERE code = @code", new { code }, tx) is not null;

    /// <summary>
    /// Inserts the code and fixes with it the merchant's fee schedule in force (see
    /// <see cref="Money.FeeStore.FixForCodeAsync"/>); null when it conflicts with a stored code: the code itself is
    /// taken, or a live code holds the invoice number (the partial unique index). The caller tells which apart
    /// (<see cref="CodeTakenAsync"/>, <see cref="InvoiceHeldAsync"/>) only then, so the usual insert is one statement
    /// that never fails the transaction on a conflict. Only the id is read back: a wide RETURNING costs SQLite more than the insert itself. On PostgreSQL the two
    /// inserts are one statement, so creating a code waits on the server once for both.
    /// </summary>
    public static async Task<(PaymentCode Code, Money.FeeSchedule Fee)?> InsertAsync(Storage.Database database, DbConnection c, DbTransaction tx, PaymentCode p)
    {
        if (c is Storage.StatementCachingConnection writer)
        {
            // SQLite's writer, where every create runs: the values bound straight to kept statements, the id the rowid.
            return writer.TryInsert(InsertRowSql, InsertNames, InsertValues(p)) is { } inserted
                ? (p with { Id = inserted }, Money.FeeStore.FixForCode(writer, inserted, p.MerchantId))
                : null;
        }
        if (database.IsSqlite)
        {
            return await c.ExecuteScalarAsync<long?>(InsertSql, InsertArgs(p), tx) is { } id
                ? (p with { Id = id }, await Money.FeeStore.FixForCodeAsync(c, tx, id, p.MerchantId))
                : null;
        }
        var row = await c.QuerySingleOrDefaultAsync<(long Id, long? Fixed, long? PercentHundredths, long? Min, long? Max)?>(
            $"""
            WITH inserted AS ({InsertSql}, merchant_id),
                fee AS ({Money.FeeStore.FixForInsertedCodeSql("inserted")})
            SELECT inserted.id, fee.fixed, fee.percent_hundredths, fee.min, fee.max FROM inserted LEFT JOIN fee ON true
            """, InsertArgs(p), tx);
        return row is { } r
            ? (p with { Id = r.Id }, r.Fixed is { } fixedPart ? new Money.FeeSchedule(fixedPart, r.PercentHundredths!.Value, r.Min!.Value, r.Max) : Money.FeeSchedule.Zero)
            : null;
    }

    private const string InsertRowSql =
        """
        INSERT INTO payment_codes (merchant_id, code, kind, invoice_number, amount, status, reusable, info, info2, info3,
            customer_name, customer_email, footer_message, insurance_info, account_id, settlement,
            override_notification_url, additional_info, request_id, how_to_pay_token, created_at, expires_at, updated_at)
        VALUES (@MerchantId, @Code, @Kind, @InvoiceNumber, @Amount, @Status, @ReusableFlag, @Info, @Info2, @Info3,
            @CustomerName, @CustomerEmail, @FooterMessage, @InsuranceInfo, @AccountId, @Settlement,
            @OverrideNotificationUrl, @AdditionalInfo, @RequestId, @HowToPayToken, @CreatedAt, @ExpiresAt, @UpdatedAt)
        ON CONFLICT DO NOTHING
        """;

    private const string InsertSql = InsertRowSql + "\nRETURNING id";

    /// <summary>The names of <see cref="InsertRowSql"/>'s parameters, in the order of <see cref="InsertValues"/>.</summary>
    private static readonly string[] InsertNames =
    [
        "MerchantId", "Code", "Kind", "InvoiceNumber", "Amount", "Status", "ReusableFlag", "Info", "Info2", "Info3",
        "CustomerName", "CustomerEmail", "FooterMessage", "InsuranceInfo", "AccountId", "Settlement",
        "OverrideNotificationUrl", "AdditionalInfo", "RequestId", "HowToPayToken", "CreatedAt", "ExpiresAt", "UpdatedAt",
    ];

    private static object?[] InsertValues(PaymentCode p) =>
    [
        p.MerchantId, p.Code, p.Kind, p.InvoiceNumber, p.Amount, p.Status, p.Reusable ? 1 : 0, p.Info, p.Info2, p.Info3,
        p.CustomerName, p.CustomerEmail, p.FooterMessage, p.InsuranceInfo, p.AccountId, p.Settlement,
        p.OverrideNotificationUrl, p.AdditionalInfo, p.RequestId, p.HowToPayToken, p.CreatedAt, p.ExpiresAt, p.UpdatedAt,
    ];

    /// <summary>The same values as Dapper's named parameters, for SQLite's other connections and PostgreSQL.</summary>
    private static Dapper.DynamicParameters InsertArgs(PaymentCode p) => Storage.WriteUnit.Parameters(InsertNames, InsertValues(p));

    public static Task<PaymentCode?> FindAsync(DbConnection c, long merchantId, string code, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<PaymentCode>(
            $"SELECT {Columns} FROM payment_codes WHERE merchant_id = @merchantId AND code = @code",
            new { merchantId, code }, tx);

    public static Task<PaymentCode?> FindByCodeAsync(DbConnection c, string code, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<PaymentCode>(
            $"SELECT {Columns} FROM payment_codes WHERE code = @code", new { code }, tx);

    /// <summary>
    /// Applies an update to a code that is neither paid nor cancelled; null when it was (the caller reads the
    /// code again to say which). Absent fields keep their values; the additional_info members sent replace (or,
    /// sent as null, clear) the stored ones, merged over <paramref name="current"/>'s.
    /// </summary>
    public static Task<PaymentCode?> UpdateAsync(DbConnection c, DbTransaction tx, PaymentCode current, UpdateCommand u, long? expiresAt, long now)
    {
        var a = u.AdditionalInfo;
        return c.QuerySingleOrDefaultAsync<PaymentCode>(
            $"""
            UPDATE payment_codes
            SET amount = COALESCE(@Amount, amount),
                expires_at = COALESCE(@expiresAt, expires_at),
                status = CASE WHEN COALESCE(@expiresAt, expires_at) > @now THEN 'ACTIVE' ELSE status END,
                reusable = COALESCE(@reusable, reusable),
                info = COALESCE(@Info, info),
                info2 = COALESCE(@Info2, info2),
                info3 = COALESCE(@Info3, info3),
                customer_name = COALESCE(@CustomerName, customer_name),
                customer_email = COALESCE(@CustomerEmail, customer_email),
                footer_message = COALESCE(@FooterMessage, footer_message),
                additional_info = CASE WHEN @additionalGiven = 1 THEN @additionalInfo ELSE additional_info END,
                override_notification_url = CASE WHEN @overrideGiven = 1 THEN @overrideUrl ELSE override_notification_url END,
                insurance_info = CASE WHEN @insuranceGiven = 1 THEN @insurance ELSE insurance_info END,
                account_id = CASE WHEN @accountGiven = 1 THEN @account ELSE account_id END,
                settlement = CASE WHEN @settlementGiven = 1 THEN @settlement ELSE settlement END,
                updated_at = @now
            WHERE id = @id AND status IN ('ACTIVE', 'EXPIRED')
            RETURNING {Columns}
            """,
            new
            {
                id = current.Id, now, expiresAt, u.Amount, reusable = u.Reusable is { } r ? (r ? 1 : 0) : (int?)null,
                u.Info, u.Info2, u.Info3, u.CustomerName, u.CustomerEmail, u.FooterMessage,
                additionalGiven = a is null ? 0 : 1, additionalInfo = a?.MergeInto(current.AdditionalInfo),
                overrideGiven = Given(a?.OverrideNotificationUrl), overrideUrl = a?.OverrideNotificationUrl.Value,
                insuranceGiven = Given(a?.InsuranceInfo), insurance = a?.InsuranceInfo.Value,
                accountGiven = Given(a?.AccountId), account = a?.AccountId.Value,
                settlementGiven = Given(a?.Settlement), settlement = a?.Settlement.Value,
            }, tx);

        static int Given(FieldChange? change) => change is { Given: true } ? 1 : 0;
    }

    /// <summary>Cancels a code that is neither paid nor cancelled; null when it was.</summary>
    public static Task<PaymentCode?> CancelAsync(DbConnection c, DbTransaction tx, long id, long now) =>
        c.QuerySingleOrDefaultAsync<PaymentCode>(
            $"""
            UPDATE payment_codes SET status = 'CANCELLED', cancelled_at = @now, updated_at = @now
            WHERE id = @id AND status IN ('ACTIVE', 'EXPIRED')
            RETURNING {Columns}
            """, new { id, now }, tx);

    public sealed record ListFilter(long? MerchantId, string? Status, string? InvoiceNumber, long? Before, int Limit);

    /// <summary>Newest first, keyset-paged on id.</summary>
    public static async Task<IReadOnlyList<(PaymentCode Code, string ClientId)>> ListAsync(DbConnection c, ListFilter filter, long now)
    {
        var where = new List<string>();
        if (filter.MerchantId is not null)
        {
            where.Add("p.merchant_id = @MerchantId");
        }
        if (filter.InvoiceNumber is not null)
        {
            where.Add("p.invoice_number = @InvoiceNumber");
        }
        if (filter.Before is not null)
        {
            where.Add("p.id < @Before");
        }
        where.Add(filter.Status switch
        {
            null => "1 = 1",
            CodeStatus.Active => "p.status = 'ACTIVE' AND p.expires_at > @now",
            CodeStatus.Expired => "(p.status = 'EXPIRED' OR (p.status = 'ACTIVE' AND p.expires_at <= @now))",
            _ => "p.status = @Status",
        });
        var rows = await c.QueryAsync<PaymentCode, string, (PaymentCode, string)>(
            $"""
            SELECT {ColumnsOfP}, m.client_id
            FROM payment_codes p JOIN merchants m ON m.id = p.merchant_id
            WHERE {string.Join(" AND ", where)}
            ORDER BY p.id DESC
            LIMIT @Limit
            """,
            (code, clientId) => (code, clientId),
            new { filter.MerchantId, filter.InvoiceNumber, filter.Before, filter.Status, filter.Limit, now },
            splitOn: "client_id");
        return rows.ToList();
    }
}
