using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Tunai.Bench.Tool;

// Payment codes written straight into the gateway's database, matching payment_codes: on SQLite one transaction
// of INSERTs, on PostgreSQL one binary COPY. Codes are the merchant's prefix and the row's index (see Code), so the
// run can pick a spread-out sample to pay without reading them back.
internal static class Load
{
    private const long Amount = 150000;

    public static int Run(string database, string clientId, long count, long start, int sample, string output)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var expires = now + (long)TimeSpan.FromDays(1).TotalMilliseconds;
        var prefix = Databases.IsPostgres(database)
            ? Postgres(database, clientId, count, start, now, expires)
            : Sqlite(database, clientId, count, start, now, expires);
        if (prefix is null)
        {
            Console.Error.WriteLine($"load: no merchant {clientId} in {database}");
            return 1;
        }
        // A sample spread over the whole range, in random order, so the measured codes are not all in one corner of the index.
        var random = new Random(7);
        var picked = new HashSet<long>();
        var take = (int)Math.Min(sample, count);
        using var writer = new StreamWriter(output);
        while (picked.Count < take)
        {
            var index = start + random.NextInt64(count);
            if (picked.Add(index))
            {
                writer.Write($"{Code(prefix, index)}\t{Amount}\n");
            }
        }
        return 0;
    }

    // The prefix, the index, and a check digit that fails the Luhn check on purpose: the gateway's own codes pass it,
    // so a loaded code can never be one the create step generated (a run once aborted on exactly that collision).
    private static string Code(string prefix, long index)
    {
        var body = prefix + index.ToString(CultureInfo.InvariantCulture).PadLeft(15 - prefix.Length, '0');
        return body + (char)('0' + (LuhnDigit(body) - '0' + 1) % 10);
    }

    private static char LuhnDigit(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
        }
        return (char)('0' + (10 - sum % 10) % 10);
    }

    private static string? Sqlite(string database, string clientId, long count, long start, long now, long expires)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=false");
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            // A large page cache for this connection only: the invoice index takes its keys out of order, and with the
            // default 2 MB cache a million inserts spend their time re-reading pages.
            pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA cache_size = -262144";
            pragma.ExecuteNonQuery();
        }
        if (Databases.FindMerchant(connection, clientId) is not var (merchantId, prefix))
        {
            return null;
        }
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO payment_codes (merchant_id, code, kind, invoice_number, amount, status, reusable, info, customer_name,
                customer_email, request_id, how_to_pay_token, created_at, expires_at, updated_at)
            VALUES ($m, $code, 'DGPC', $invoice, $amount, 'ACTIVE', 0, 'Bench Store', 'Bench Customer',
                'bench@example.com', $request, $token, $now, $expires, $now)
            """;
        var codeParameter = insert.Parameters.Add("$code", SqliteType.Text);
        var invoice = insert.Parameters.Add("$invoice", SqliteType.Text);
        var request = insert.Parameters.Add("$request", SqliteType.Text);
        var token = insert.Parameters.Add("$token", SqliteType.Text);
        insert.Parameters.AddWithValue("$m", merchantId);
        insert.Parameters.AddWithValue("$amount", Amount);
        insert.Parameters.AddWithValue("$now", now);
        insert.Parameters.AddWithValue("$expires", expires);
        insert.Prepare();
        for (var i = start; i < start + count; i++)
        {
            codeParameter.Value = Code(prefix, i);
            invoice.Value = $"BULK-{i}";
            request.Value = $"bulk-{i}";
            token.Value = $"bulk-token-{i}";
            insert.ExecuteNonQuery();
        }
        tx.Commit();
        return prefix;
    }

    // The same column values as the SQLite path; COPY is one statement, so the rows arrive all at once or not at all.
    private static string? Postgres(string database, string clientId, long count, long start, long now, long expires)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString);
        connection.Open();
        if (Databases.FindMerchant(connection, clientId) is not var (merchantId, prefix))
        {
            return null;
        }
        using var copy = connection.BeginBinaryImport("""
            COPY payment_codes (merchant_id, code, kind, invoice_number, amount, status, reusable, info, customer_name,
                customer_email, request_id, how_to_pay_token, created_at, expires_at, updated_at) FROM STDIN (FORMAT BINARY)
            """);
        for (var i = start; i < start + count; i++)
        {
            copy.StartRow();
            copy.Write(merchantId, NpgsqlDbType.Bigint);
            copy.Write(Code(prefix, i), NpgsqlDbType.Text);
            copy.Write("DGPC", NpgsqlDbType.Text);
            copy.Write($"BULK-{i}", NpgsqlDbType.Text);
            copy.Write(Amount, NpgsqlDbType.Bigint);
            copy.Write("ACTIVE", NpgsqlDbType.Text);
            copy.Write(0L, NpgsqlDbType.Bigint);
            copy.Write("Bench Store", NpgsqlDbType.Text);
            copy.Write("Bench Customer", NpgsqlDbType.Text);
            copy.Write("bench@example.com", NpgsqlDbType.Text);
            copy.Write($"bulk-{i}", NpgsqlDbType.Text);
            copy.Write($"bulk-token-{i}", NpgsqlDbType.Text);
            copy.Write(now, NpgsqlDbType.Bigint);
            copy.Write(expires, NpgsqlDbType.Bigint);
            copy.Write(now, NpgsqlDbType.Bigint);
        }
        copy.Complete();
        return prefix;
    }
}
