using System.Data.Common;
using Dapper;

namespace Tunai.Gateway.Money;

/// <summary>The SQL of fee schedules: a merchant's fee, an acquirer's cost, and the schedule fixed with each code.</summary>
public static class FeeStore
{
    private sealed record Row(long Fixed, long PercentHundredths, long Min, long? Max)
    {
        public FeeSchedule ToSchedule() => new(Fixed, PercentHundredths, Min, Max);
    }

    private const string Columns = "fixed, percent_hundredths, min, max";

    public static Task SetMerchantAsync(DbConnection c, DbTransaction tx, long merchantId, FeeSchedule s, long now) =>
        c.ExecuteAsync(
            $"""
            INSERT INTO merchant_fees (merchant_id, {Columns}, updated_at) VALUES (@merchantId, @Fixed, @PercentHundredths, @Min, @Max, @now)
            ON CONFLICT (merchant_id) DO UPDATE SET fixed = excluded.fixed, percent_hundredths = excluded.percent_hundredths,
                min = excluded.min, max = excluded.max, updated_at = excluded.updated_at
            """, new { merchantId, s.Fixed, s.PercentHundredths, s.Min, s.Max, now }, tx);

    public static Task SetAcquirerAsync(DbConnection c, DbTransaction tx, long acquirerId, FeeSchedule s, long now) =>
        c.ExecuteAsync(
            $"""
            INSERT INTO acquirer_costs (acquirer_id, {Columns}, updated_at) VALUES (@acquirerId, @Fixed, @PercentHundredths, @Min, @Max, @now)
            ON CONFLICT (acquirer_id) DO UPDATE SET fixed = excluded.fixed, percent_hundredths = excluded.percent_hundredths,
                min = excluded.min, max = excluded.max, updated_at = excluded.updated_at
            """, new { acquirerId, s.Fixed, s.PercentHundredths, s.Min, s.Max, now }, tx);

    public static async Task<FeeSchedule> MerchantAsync(DbConnection c, long merchantId, DbTransaction? tx = null) =>
        (await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM merchant_fees WHERE merchant_id = @merchantId", new { merchantId }, tx))
            ?.ToSchedule() ?? FeeSchedule.Zero;

    public static async Task<FeeSchedule> AcquirerAsync(DbConnection c, long acquirerId, DbTransaction? tx = null) =>
        (await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM acquirer_costs WHERE acquirer_id = @acquirerId", new { acquirerId }, tx))
            ?.ToSchedule() ?? FeeSchedule.Zero;

    /// <summary>
    /// Copies the merchant's schedule in force at this instant of the transaction to the code, and returns it.
    /// A merchant without a fee gets no row: the code's fee is zero.
    /// </summary>
    public static async Task<FeeSchedule> FixForCodeAsync(DbConnection c, DbTransaction tx, long codeId, long merchantId) =>
        (await c.QuerySingleOrDefaultAsync<Row>(FixForCodeSql, new { codeId, merchantId }, tx))?.ToSchedule() ?? FeeSchedule.Zero;

    /// <summary><see cref="FixForCodeAsync"/> on SQLite's writer, the values bound straight to its kept statement.</summary>
    internal static FeeSchedule FixForCode(Storage.StatementCachingConnection writer, long codeId, long merchantId) =>
        writer.ReadRow(FixForCodeSql, FixForCodeNames, [codeId, merchantId]) is { } row
            ? new FeeSchedule((long)row[0]!, (long)row[1]!, (long)row[2]!, (long?)row[3])
            : FeeSchedule.Zero;

    private const string FixForCodeSql =
        $"""
        INSERT INTO code_fees (payment_code_id, {Columns})
        SELECT @codeId, {Columns} FROM merchant_fees WHERE merchant_id = @merchantId
        RETURNING {Columns}
        """;

    private static readonly string[] FixForCodeNames = ["codeId", "merchantId"];

    /// <summary>
    /// <see cref="FixForCodeAsync"/> as one part of a PostgreSQL WITH query, for the code that its part
    /// <paramref name="inserted"/> (returning id, merchant_id) has just inserted. It returns the schedule's columns.
    /// </summary>
    public static string FixForInsertedCodeSql(string inserted) =>
        $"""
        INSERT INTO code_fees (payment_code_id, {Columns})
        SELECT i.id, f.fixed, f.percent_hundredths, f.min, f.max FROM {inserted} i JOIN merchant_fees f ON f.merchant_id = i.merchant_id
        RETURNING {Columns}
        """;

    public static async Task<FeeSchedule> CodeAsync(DbConnection c, long codeId, DbTransaction? tx = null) =>
        (await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM code_fees WHERE payment_code_id = @codeId", new { codeId }, tx))
            ?.ToSchedule() ?? FeeSchedule.Zero;
}
