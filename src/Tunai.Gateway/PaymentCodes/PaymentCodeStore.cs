namespace Tunai.Gateway.PaymentCodes;

/// <summary>
/// A code with what its payment is priced by: the merchant's client id, the code's fee (fixed when it was made), the
/// merchant's current fee (for a direct-inquiry bill, made at inquiry with no fee of its own) and the acquirer's cost;
/// a fee or cost that is not set is null.
/// </summary>
public sealed record PricedCode(PaymentCode Code, string ClientId, Fees.FeeSchedule? CodeFee, Fees.FeeSchedule? MerchantFee, Fees.FeeSchedule? Cost);

/// <summary>The SQL of payment codes. Every state change is one conditional statement whose row count decides.</summary>
public static class PaymentCodeStore
{
    public const string Columns =
        """
        id, merchant_id, code, life, kind, invoice_number, amount, status, reusable, info, info2, info3,
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
        await c.ExecuteScalarAsync<long?>("SELECT 1 FROM payment_codes WHERE code = @code LIMIT 1", new { code }, tx) is not null;

    /// <summary>
    /// Registers the merchant's own code again, as its next life, when its latest life is over: paid (a reusable code
    /// never is), cancelled or expired; a life past its expiry that nothing marked yet is marked EXPIRED first. Null
    /// when the latest life is live or not the merchant's own code, or on any other conflict (the invoice number held,
    /// or another registration of the same life that won: a code and its life are unique, and so is a code's one
    /// ACTIVE life). With the code's fee, as <see cref="InsertAsync"/>.
    /// </summary>
    public static async Task<(PaymentCode Code, Fees.FeeSchedule Fee)?> RegisterAgainAsync(WriteUnit unit, PaymentCode p)
    {
        await unit.ExecuteAsync(ExpireLapsedLife, p);
        return await unit.TryInsertThenReadAsync(InsertNextLife, Fees.FeeStore.FixForNewCode, p) is { } inserted
            ? (p with { Id = inserted.Id, Life = await LifeAsync(unit.Connection, unit.Transaction, inserted.Id) }, inserted.Row ?? Fees.FeeSchedule.Zero)
            : null;
    }

    private static Task<long> LifeAsync(DbConnection c, DbTransaction tx, long id) =>
        c.ExecuteScalarAsync<long>("SELECT life FROM payment_codes WHERE id = @id", new { id }, tx);

    private static readonly Statement<PaymentCode> ExpireLapsedLife = new(
        """
        UPDATE payment_codes SET status = 'EXPIRED', updated_at = @CreatedAt
        WHERE code = @Code AND merchant_id = @MerchantId AND status = 'ACTIVE' AND expires_at <= @CreatedAt
        """,
        ("CreatedAt", p => p.CreatedAt), ("Code", p => p.Code), ("MerchantId", p => p.MerchantId));

    /// <summary>The values of a new code's row, by name, for <see cref="Insert"/> and <see cref="InsertNextLife"/>.</summary>
    private static readonly (string Name, Func<PaymentCode, object?> Value)[] InsertParameters =
    [
        ("MerchantId", p => p.MerchantId), ("Code", p => p.Code), ("Kind", p => p.Kind), ("InvoiceNumber", p => p.InvoiceNumber),
        ("Amount", p => p.Amount), ("Status", p => p.Status), ("Reusable", p => p.Reusable ? 1 : 0), ("Info", p => p.Info),
        ("Info2", p => p.Info2), ("Info3", p => p.Info3), ("CustomerName", p => p.CustomerName), ("CustomerEmail", p => p.CustomerEmail),
        ("FooterMessage", p => p.FooterMessage), ("InsuranceInfo", p => p.InsuranceInfo), ("AccountId", p => p.AccountId),
        ("Settlement", p => p.Settlement), ("OverrideNotificationUrl", p => p.OverrideNotificationUrl),
        ("AdditionalInfo", p => p.AdditionalInfo), ("RequestId", p => p.RequestId), ("HowToPayToken", p => p.HowToPayToken),
        ("CreatedAt", p => p.CreatedAt), ("ExpiresAt", p => p.ExpiresAt), ("UpdatedAt", p => p.UpdatedAt),
    ];

    /// <summary>The merchant's code as the life after its latest, inserted only if that one is over and its own (MGPC).</summary>
    private static readonly Statement<PaymentCode> InsertNextLife = new(
        """
        INSERT INTO payment_codes (merchant_id, code, life, kind, invoice_number, amount, status, reusable, info, info2, info3,
            customer_name, customer_email, footer_message, insurance_info, account_id, settlement,
            override_notification_url, additional_info, request_id, how_to_pay_token, created_at, expires_at, updated_at)
        SELECT @MerchantId, @Code, l.life + 1, @Kind, @InvoiceNumber, @Amount, @Status, @Reusable, @Info, @Info2, @Info3,
            @CustomerName, @CustomerEmail, @FooterMessage, @InsuranceInfo, @AccountId, @Settlement,
            @OverrideNotificationUrl, @AdditionalInfo, @RequestId, @HowToPayToken, @CreatedAt, @ExpiresAt, @UpdatedAt
        FROM payment_codes l
        WHERE l.code = @Code AND l.merchant_id = @MerchantId AND l.kind = 'MGPC' AND l.status IN ('PAID', 'CANCELLED', 'EXPIRED')
            AND NOT EXISTS (SELECT 1 FROM payment_codes n WHERE n.code = l.code AND n.life > l.life)
        ON CONFLICT DO NOTHING
        """,
        InsertParameters);

    /// <summary>
    /// Inserts the code and fixes with it the merchant's fee schedule in force (see <see cref="Fees.FeeStore.FixForNewCode"/>);
    /// null when it conflicts with a stored code: the code itself is taken, or a live code holds the invoice number
    /// (the partial unique index). The caller tells which apart (<see cref="CodeTakenAsync"/>,
    /// <see cref="InvoiceHeldAsync"/>) only then, so the usual insert is one statement that never fails the
    /// transaction on a conflict. Only the id is read back (why: <see cref="WriteUnit.InsertAsync{TArgs}"/>).
    /// </summary>
    public static async Task<(PaymentCode Code, Fees.FeeSchedule Fee)?> InsertAsync(WriteUnit unit, PaymentCode p) =>
        await unit.TryInsertThenReadAsync(Insert, Fees.FeeStore.FixForNewCode, p) is { } inserted
            ? (p with { Id = inserted.Id }, inserted.Row ?? Fees.FeeSchedule.Zero)
            : null;

    /// <summary>
    /// The code and its fee (<see cref="Fees.FeeStore.FixForNewCode"/>) as writes together (see <see cref="WriteTogether"/>),
    /// to which the caller adds what goes with them: nothing is written when the code conflicts with a stored one, and the
    /// caller then takes the path that tells why (<see cref="InsertAsync"/> and what follows it).
    /// </summary>
    public static WriteTogether InsertTogether(PaymentCode p)
    {
        var writes = new WriteTogether(Insert.Bind(p));
        writes.Then(0, Fees.FeeStore.FixForNewCode.Statement.Bind(p));
        return writes;
    }

    private static readonly Statement<PaymentCode> Insert = new(
        """
        INSERT INTO payment_codes (merchant_id, code, kind, invoice_number, amount, status, reusable, info, info2, info3,
            customer_name, customer_email, footer_message, insurance_info, account_id, settlement,
            override_notification_url, additional_info, request_id, how_to_pay_token, created_at, expires_at, updated_at)
        VALUES (@MerchantId, @Code, @Kind, @InvoiceNumber, @Amount, @Status, @Reusable, @Info, @Info2, @Info3,
            @CustomerName, @CustomerEmail, @FooterMessage, @InsuranceInfo, @AccountId, @Settlement,
            @OverrideNotificationUrl, @AdditionalInfo, @RequestId, @HowToPayToken, @CreatedAt, @ExpiresAt, @UpdatedAt)
        ON CONFLICT DO NOTHING
        """,
        InsertParameters);

    /// <summary>
    /// The code a store pays, with what its payment is priced by (<see cref="PricedCode"/>); null when no code has that
    /// text. One statement, read by column name: where a unit runs alone, on the writer every payment runs on, straight
    /// from the database's own row (through Dapper the join's 13 more columns had made the read about half again as
    /// costly as the code's alone).
    /// Of a code's lives, the latest registered by <paramref name="registeredBy"/> (the first when none was, a store's
    /// clock may run behind): at the till, the latest; for a payment learnt of later (reconciliation), the life the
    /// customer paid, not one the merchant registered since.
    /// </summary>
    public static Task<PricedCode?> FindPricedAsync(WriteUnit unit, string code, long acquirerId, long registeredBy = long.MaxValue) =>
        unit.ReadAsync(Priced, (code, acquirerId, registeredBy));

    /// <summary>The query of <see cref="FindPricedAsync"/>, for a read outside a unit (<see cref="Database.ReadTogetherAsync"/>).</summary>
    public static readonly Query<(string Code, long AcquirerId, long RegisteredBy), PricedCode> Priced = new(
        $"""
        SELECT {ColumnsOfP}, m.client_id,
            cf.fixed AS code_fixed, cf.percent_hundredths AS code_percent, cf.min AS code_min, cf.max AS code_max,
            mf.fixed AS merchant_fixed, mf.percent_hundredths AS merchant_percent, mf.min AS merchant_min, mf.max AS merchant_max,
            ac.fixed AS cost_fixed, ac.percent_hundredths AS cost_percent, ac.min AS cost_min, ac.max AS cost_max
        FROM payment_codes p
        JOIN merchants m ON m.id = p.merchant_id
        LEFT JOIN code_fees cf ON cf.payment_code_id = p.id
        LEFT JOIN merchant_fees mf ON mf.merchant_id = p.merchant_id
        LEFT JOIN acquirer_costs ac ON ac.acquirer_id = @acquirerId
        WHERE p.code = @code AND (p.life = 1 OR p.created_at <= @registeredBy)
        ORDER BY p.life DESC
        LIMIT 1
        """,
        r => new PricedCode(
            Read(r),
            r.Text("client_id"),
            r.LongOrNull("code_fixed") is { } codeFixed
                ? new Fees.FeeSchedule(codeFixed, r.Long("code_percent"), r.Long("code_min"), r.LongOrNull("code_max")) : null,
            r.LongOrNull("merchant_fixed") is { } merchantFixed
                ? new Fees.FeeSchedule(merchantFixed, r.Long("merchant_percent"), r.Long("merchant_min"), r.LongOrNull("merchant_max")) : null,
            r.LongOrNull("cost_fixed") is { } costFixed
                ? new Fees.FeeSchedule(costFixed, r.Long("cost_percent"), r.Long("cost_min"), r.LongOrNull("cost_max")) : null),
        ("code", a => a.Code), ("acquirerId", a => a.AcquirerId), ("registeredBy", a => a.RegisteredBy));

    /// <summary>A code from a row holding <see cref="Columns"/>, by name.</summary>
    public static PaymentCode Read(Row r) => new()
    {
        Id = r.Long("id"),
        MerchantId = r.Long("merchant_id"),
        Code = r.Text("code"),
        Life = r.Long("life"),
        Kind = r.Text("kind"),
        InvoiceNumber = r.Text("invoice_number"),
        Amount = r.Long("amount"),
        Status = r.Text("status"),
        Reusable = r.Bool("reusable"),
        Info = r.TextOrNull("info"),
        Info2 = r.TextOrNull("info2"),
        Info3 = r.TextOrNull("info3"),
        CustomerName = r.Text("customer_name"),
        CustomerEmail = r.TextOrNull("customer_email"),
        FooterMessage = r.TextOrNull("footer_message"),
        InsuranceInfo = r.TextOrNull("insurance_info"),
        AccountId = r.TextOrNull("account_id"),
        Settlement = r.TextOrNull("settlement"),
        OverrideNotificationUrl = r.TextOrNull("override_notification_url"),
        AdditionalInfo = r.TextOrNull("additional_info"),
        RequestId = r.Text("request_id"),
        HowToPayToken = r.Text("how_to_pay_token"),
        CreatedAt = r.Long("created_at"),
        ExpiresAt = r.Long("expires_at"),
        UpdatedAt = r.Long("updated_at"),
        PaidAt = r.LongOrNull("paid_at"),
        CancelledAt = r.LongOrNull("cancelled_at"),
    };

    /// <summary>
    /// The merchant's code: its latest life, which is the live one when one is (a code has at most one, and a new life
    /// is made only when the one before is over).
    /// </summary>
    public static Task<PaymentCode?> FindAsync(DbConnection c, long merchantId, string code, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<PaymentCode>(
            $"SELECT {Columns} FROM payment_codes WHERE merchant_id = @merchantId AND code = @code ORDER BY life DESC LIMIT 1",
            new { merchantId, code }, tx);

    /// <summary>The code's latest life, whoever's it is (see <see cref="FindAsync"/>).</summary>
    public static Task<PaymentCode?> FindByCodeAsync(DbConnection c, string code, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<PaymentCode>(
            $"SELECT {Columns} FROM payment_codes WHERE code = @code ORDER BY life DESC LIMIT 1", new { code }, tx);

    /// <summary>One life of a code, by its row's id (a payment names the life it paid).</summary>
    public static Task<PaymentCode?> FindByIdAsync(DbConnection c, long id, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<PaymentCode>($"SELECT {Columns} FROM payment_codes WHERE id = @id", new { id }, tx);

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
