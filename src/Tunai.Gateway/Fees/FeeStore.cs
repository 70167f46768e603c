namespace Tunai.Gateway.Fees;

/// <summary>The SQL of fee schedules: a merchant's fee, an acquirer's cost, and the schedule fixed with each code.</summary>
public static class FeeStore
{
    private sealed record Row(long Fixed, long PercentHundredths, long Min, long? Max)
    {
        public FeeSchedule ToSchedule() => new(Fixed, PercentHundredths, Min, Max);
    }

    private const string Columns = "fixed, percent_hundredths, min, max";

    public static Task SetMerchantAsync(DbConnection c, DbTransaction tx, long merchantId, FeeSchedule s, long now) =>
        c.ExecuteAsync(SetMerchantSql, new { owner = merchantId, s.Fixed, s.PercentHundredths, s.Min, s.Max, now }, tx);

    public static Task SetAcquirerAsync(DbConnection c, DbTransaction tx, long acquirerId, FeeSchedule s, long now) =>
        c.ExecuteAsync(SetAcquirerSql, new { owner = acquirerId, s.Fixed, s.PercentHundredths, s.Min, s.Max, now }, tx);

    private static readonly string SetMerchantSql = Upsert("merchant_fees", "merchant_id");
    private static readonly string SetAcquirerSql = Upsert("acquirer_costs", "acquirer_id");

    /// <summary>A merchant's fee and an acquirer's cost are kept alike: one row per owner, replaced whole.</summary>
    private static string Upsert(string table, string ownerColumn) =>
        $"""
        INSERT INTO {table} ({ownerColumn}, {Columns}, updated_at) VALUES (@owner, @Fixed, @PercentHundredths, @Min, @Max, @now)
        ON CONFLICT ({ownerColumn}) DO UPDATE SET fixed = excluded.fixed, percent_hundredths = excluded.percent_hundredths,
            min = excluded.min, max = excluded.max, updated_at = excluded.updated_at
        """;

    public static async Task<FeeSchedule> MerchantAsync(DbConnection c, long merchantId, DbTransaction? tx = null) =>
        (await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM merchant_fees WHERE merchant_id = @merchantId", new { merchantId }, tx))
            ?.ToSchedule() ?? FeeSchedule.Zero;

    public static async Task<FeeSchedule> AcquirerAsync(DbConnection c, long acquirerId, DbTransaction? tx = null) =>
        (await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM acquirer_costs WHERE acquirer_id = @acquirerId", new { acquirerId }, tx))
            ?.ToSchedule() ?? FeeSchedule.Zero;

    /// <summary>
    /// Copies the merchant's schedule in force at this instant of the transaction to the code just inserted (found as
    /// <c>inserted.id</c>, see <see cref="Storage.WriteUnit.TryInsertThenReadAsync"/>), and returns it. A merchant
    /// without a fee gets no row: the code's fee is zero.
    /// </summary>
    public static readonly Storage.Query<PaymentCodes.PaymentCode, FeeSchedule> FixForNewCode = new(
        $"""
        INSERT INTO code_fees (payment_code_id, {Columns})
        SELECT inserted.id, f.fixed, f.percent_hundredths, f.min, f.max FROM inserted JOIN merchant_fees f ON f.merchant_id = @MerchantId
        RETURNING {Columns}
        """,
        r => new FeeSchedule(r.Long("fixed"), r.Long("percent_hundredths"), r.Long("min"), r.LongOrNull("max")),
        ("MerchantId", c => c.MerchantId));

    public static async Task<FeeSchedule> CodeAsync(DbConnection c, long codeId, DbTransaction? tx = null) =>
        (await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM code_fees WHERE payment_code_id = @codeId", new { codeId }, tx))
            ?.ToSchedule() ?? FeeSchedule.Zero;
}
