using System.Net;
using Dapper;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.PaymentCodes;

/// <summary>
/// A merchant's own code (MGPC) billed again: registered anew once its life is over (paid and not reusable, cancelled
/// or expired), one live life at a time, each life kept with its own invoice and payments. Each test runs its own
/// gateway and clock, on the suite's database.
/// </summary>
public sealed class CodeLivesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 3, 15, 2, TimeSpan.Zero);

    private GatewayHost _gateway = null!;
    private TestMerchant _merchant = null!;
    private TestStore _store = null!;
    private string _code = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync(Start);
        _merchant = await _gateway.CreateMerchantAsync(new { name = "Toko Langganan" });
        _store = await TestStore.CreateAsync(_gateway);
        // A customer's fixed number, billed every month.
        _code = _merchant.CodePrefix + "5550001234";
    }

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private Task<ApiResponse> RegisterAsync(string invoice, long amount = 150000, bool reusable = false, int minutes = 60)
    {
        var body = TestMerchant.ValidCreate(invoice, amount);
        var info = (Dictionary<string, object?>)body["online_to_offline_info"]!;
        info["payment_code"] = _code;
        info["reusable_status"] = reusable;
        info["expired_time"] = minutes;
        return _merchant.CreateAsync(body);
    }

    private async Task RegisteredAsync(string invoice, long amount = 150000, bool reusable = false, int minutes = 60)
    {
        var response = await RegisterAsync(invoice, amount, reusable, minutes);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal(_code, (string)response.Json["online_to_offline_info"]!["payment_code"]!);
    }

    private async Task<string> PaidAsync(long amount)
    {
        var trx = TestStore.NewTrxId();
        var paid = await _store.PayAsync(_code, amount, trx);
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
        return trx;
    }

    private async Task<JsonNode> StatusAsync(string invoice)
    {
        var response = await _merchant.SendAsync(HttpMethod.Get, "/orders/v1/status/" + invoice, body: null);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        return response.Json;
    }

    private Task<long> LivesAsync(string? status = null) => status is null
        ? _gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c", ("$c", _code))
        : _gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c AND status = $s", ("$c", _code), ("$s", status));

    [Fact]
    public async Task AMerchantsOwnCodeIsBilledTwiceInSequence()
    {
        await RegisteredAsync("NOV-2026", 150000);
        var first = await PaidAsync(150000);
        Assert.Equal("billing_already_paid", (string)(await _store.InquiryAsync(_code)).Json["online_to_offline_inquiry"]!["status"]!);

        _gateway.Time.Advance(TimeSpan.FromMinutes(30));
        await RegisteredAsync("DEC-2026", 175000);
        var inquiry = await _store.InquiryAsync(_code);
        Assert.Equal("success", (string)inquiry.Json["online_to_offline_inquiry"]!["status"]!);
        Assert.Equal(175000, (long)inquiry.Json["order"]!["amount"]!);
        Assert.Equal("DEC-2026", (string)inquiry.Json["order"]!["invoice_number"]!);
        var second = await PaidAsync(175000);

        // Two lives, each paid once, each payment with its own journal transaction.
        Assert.Equal(2, await LivesAsync("PAID"));
        Assert.Equal(2, await _gateway.CountAsync(
            """
            SELECT count(DISTINCT y.payment_code_id) FROM payments y JOIN journal_transactions j ON j.payment_id = y.id
            WHERE y.code = $c AND y.status = 'SUCCESS' AND j.kind = 'PAYMENT'
            """, ("$c", _code)));
        Assert.Equal(150000 + 175000, await _gateway.CountAsync(
            "SELECT sum(j.gross) FROM payments y JOIN journal_transactions j ON j.payment_id = y.id WHERE y.code = $c AND j.kind = 'PAYMENT'",
            ("$c", _code)));
        Assert.Equal(1, await _gateway.CountAsync(
            "SELECT count(*) FROM payments y JOIN payment_codes p ON p.id = y.payment_code_id WHERE y.trx_id = $t AND p.invoice_number = 'NOV-2026' AND p.life = 1",
            ("$t", first)));
        Assert.Equal(1, await _gateway.CountAsync(
            "SELECT count(*) FROM payments y JOIN payment_codes p ON p.id = y.payment_code_id WHERE y.trx_id = $t AND p.invoice_number = 'DEC-2026' AND p.life = 2",
            ("$t", second)));

        // Check status answers for each invoice with its own life and payment.
        var november = await StatusAsync("NOV-2026");
        Assert.Equal("SUCCESS", (string)november["transaction"]!["status"]!);
        Assert.Equal(150000, (long)november["order"]!["amount"]!);
        Assert.Equal(first, (string)november["online_to_offline_payment"]!["identifier"]![2]!["value"]!);
        var december = await StatusAsync("DEC-2026");
        Assert.Equal("SUCCESS", (string)december["transaction"]!["status"]!);
        Assert.Equal(175000, (long)december["order"]!["amount"]!);
        Assert.Equal(second, (string)december["online_to_offline_payment"]!["identifier"]![2]!["value"]!);
    }

    [Fact]
    public async Task ACodeIsNotRegisteredAgainWhileItIsLive()
    {
        await RegisteredAsync("JAN-2027", minutes: 60);

        (await RegisterAsync("FEB-2027")).AssertError(HttpStatusCode.BadRequest, "payment_code_in_use", "online_to_offline_info.payment_code");

        // A reusable code paid stays live: it is paid again, not registered again.
        _gateway.Time.Advance(TimeSpan.FromMinutes(61));
        await RegisteredAsync("MAR-2027", reusable: true);
        await PaidAsync(150000);
        (await RegisterAsync("APR-2027")).AssertError(HttpStatusCode.BadRequest, "payment_code_in_use", "online_to_offline_info.payment_code");
        Assert.Equal(1, await LivesAsync("ACTIVE"));
        Assert.Equal(2, await LivesAsync());
    }

    [Fact]
    public async Task AnExpiredOrCancelledCodeIsRegisteredAgain()
    {
        await RegisteredAsync("JAN-2027", minutes: 10);
        _gateway.Time.Advance(TimeSpan.FromMinutes(10));
        // Expired at the clock, though nothing has marked it yet.
        await RegisteredAsync("FEB-2027");
        Assert.Equal(1, await _gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c AND life = 1 AND status = 'EXPIRED'", ("$c", _code)));

        var cancel = await _merchant.PatchAsync(new Dictionary<string, object?>
        {
            ["online_to_offline_info"] = new Dictionary<string, object?> { ["payment_code"] = _code, ["status"] = "DELETE" },
        });
        Assert.True(cancel.Status == HttpStatusCode.OK, cancel.Body);
        await RegisteredAsync("MAR-2027");

        Assert.Equal(3, await LivesAsync());
        Assert.Equal(1, await LivesAsync("ACTIVE"));
        Assert.Equal("MAR-2027", (await _gateway.RowAsync("SELECT invoice_number FROM payment_codes WHERE code = $c AND status = 'ACTIVE'", ("$c", _code)))["invoice_number"]);
        // History stays: each invoice's status is its own life's.
        Assert.Equal("EXPIRED", (string)(await StatusAsync("JAN-2027"))["transaction"]!["status"]!);
        Assert.Equal("FAILED", (string)(await StatusAsync("FEB-2027"))["transaction"]!["status"]!);
        Assert.Equal("PENDING", (string)(await StatusAsync("MAR-2027"))["transaction"]!["status"]!);
    }

    [Fact]
    public async Task AnotherMerchantCannotRegisterACodeUnderAnotherPrefix()
    {
        await RegisteredAsync("JAN-2027");
        var cancel = await _merchant.PatchAsync(new Dictionary<string, object?>
        {
            ["online_to_offline_info"] = new Dictionary<string, object?> { ["payment_code"] = _code, ["status"] = "DELETE" },
        });
        Assert.Equal(HttpStatusCode.OK, cancel.Status);
        var other = await _gateway.CreateMerchantAsync(new { name = "Toko Lain" });
        var body = TestMerchant.ValidCreate("JAN-2027");
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["payment_code"] = _code;

        (await other.CreateAsync(body)).AssertError(HttpStatusCode.BadRequest, "invalid_field", "online_to_offline_info.payment_code");
        Assert.Equal(1, await LivesAsync());
    }

    [Fact]
    public async Task ConcurrentRegistrationsOfAnEndedCodeHaveOneWinner()
    {
        await RegisteredAsync("JAN-2027");
        await PaidAsync(150000);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => RegisterAsync($"FEB-2027-{i}")));

        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK),
            a => a.AssertError(HttpStatusCode.BadRequest, "payment_code_in_use", "online_to_offline_info.payment_code"));
        Assert.Equal(2, await LivesAsync());
        Assert.Equal(1, await LivesAsync("ACTIVE"));
    }

    [Fact]
    public async Task AReversalOfAnEarlierLifesPaymentLeavesTheNewLifeLiveAndTheEarlierInvoiceFailed()
    {
        await RegisteredAsync("JAN-2027");
        var first = await PaidAsync(150000);
        await RegisteredAsync("FEB-2027", 160000);

        var reversed = await _store.ReverseAsync(_code, first);

        Assert.True(reversed.Status == HttpStatusCode.OK, reversed.Body);
        Assert.Equal(1, await LivesAsync("ACTIVE"));
        Assert.Equal("FEB-2027", (await _gateway.RowAsync("SELECT invoice_number FROM payment_codes WHERE code = $c AND status = 'ACTIVE'", ("$c", _code)))["invoice_number"]);
        // January's life stays over: its bill can never be paid again, so it is no PENDING transaction; February's is.
        Assert.Equal("FAILED", (string)(await StatusAsync("JAN-2027"))["transaction"]!["status"]!);
        Assert.Equal("PENDING", (string)(await StatusAsync("FEB-2027"))["transaction"]!["status"]!);
        await PaidAsync(160000);
    }

    [Fact]
    public async Task EachLifesHowToPayLinkShowsItsOwnBill()
    {
        var january = await RegisterAsync("JAN-2027", 150000);
        await PaidAsync(150000);
        var february = await RegisterAsync("FEB-2027", 160000);

        async Task<JsonNode> HowToPayAsync(ApiResponse created)
        {
            var url = new Uri((string)created.Json["online_to_offline_info"]!["how_to_pay_api"]!);
            using var response = await _gateway.Http.GetAsync(url.PathAndQuery, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            return GatewayHost.Json(text);
        }

        var paid = await HowToPayAsync(january);
        Assert.Equal("JAN-2027", (string)paid["order"]!["invoice_number"]!);
        Assert.Equal(150000, (long)paid["order"]!["amount"]!);
        Assert.Equal("PAID", (string)paid["status"]!);
        var live = await HowToPayAsync(february);
        Assert.Equal("FEB-2027", (string)live["order"]!["invoice_number"]!);
        Assert.Equal(160000, (long)live["order"]!["amount"]!);
        Assert.Equal("ACTIVE", (string)live["status"]!);
    }

    /// <summary>
    /// Migration 0020 gives codes lives (on SQLite by making the table anew, foreign keys off while it does): a database
    /// of migration 0018 with a paid code, its fee and its payment keeps them all, every key still pointing at its row,
    /// and the paid code can then be registered again, on both databases.
    /// </summary>
    [Fact]
    public async Task CodesPaymentsAndFeesOfBeforeTheUpgradeAreKeptAndTheCodeLivesAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await TestDatabase.CreateAsync(Directory.CreateTempSubdirectory("tunai-tests-").FullName);
        const string clientId = "MCH-OLD-0000000000001", secretKey = "SK-old-merchant-key-a8Qz3Lw0Rt5vNb2x", prefix = "71234", code = "712345550001234";

        // The database as a gateway of migration 0018 left it: a merchant's own code, paid, with its fee and payment.
        await using (var connection = await database.MigratedThroughAsync(18, ct))
        {
            var merchantId = await connection.ExecuteScalarAsync<long>(database.Sql(
                "INSERT INTO merchants (client_id, name, secret_key, code_prefix, created_at, updated_at) VALUES (@clientId, 'Toko Lama', @secretKey, @prefix, 0, 0) RETURNING id"),
                new { clientId, secretKey, prefix });
            var acquirerId = await connection.ExecuteScalarAsync<long>(database.Sql(
                "INSERT INTO acquirers (code, name, client_id, secret_key, created_at) VALUES ('ALFA2', 'Old', 'ACQ-OLD-0000000001', 'SK-old-acquirer', 0) RETURNING id"));
            var codeId = await connection.ExecuteScalarAsync<long>(database.Sql(
                """
                INSERT INTO payment_codes (merchant_id, code, kind, invoice_number, amount, status, reusable, customer_name, request_id,
                    how_to_pay_token, created_at, expires_at, updated_at, paid_at)
                VALUES (@merchantId, @code, 'MGPC', 'OCT-2026', 150000, 'PAID', 0, 'Budi', 'req-old', 'tok-old', 0, 4102444800000, 1, 1)
                RETURNING id
                """), new { merchantId, code });
            await connection.ExecuteAsync(database.Sql(
                "INSERT INTO code_fees (payment_code_id, fixed, percent_hundredths, min, max) VALUES (@codeId, 4000, 0, 0, NULL)"), new { codeId });
            await connection.ExecuteAsync(database.Sql(
                """
                INSERT INTO payments (payment_id, payment_code_id, merchant_id, acquirer_id, trx_id, code, invoice_number, amount, status,
                    agent_id, store_id, store_date, paid_at)
                VALUES ('PAY-OLD-1', @codeId, @merchantId, @acquirerId, 'TRX-OLD-1', @code, 'OCT-2026', 150000, 'SUCCESS', 'ALFAMART', 'TZ01', '2026-10-01', 1)
                """), new { codeId, merchantId, acquirerId, code });
        }

        await using var gateway = await GatewayHost.StartOnAsync(database);

        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM schema_migrations WHERE version = 20"));
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c AND life = 1 AND status = 'PAID'", ("$c", code)));
        Assert.Equal(1, await gateway.CountAsync(
            "SELECT count(*) FROM payments y JOIN payment_codes p ON p.id = y.payment_code_id JOIN code_fees f ON f.payment_code_id = p.id WHERE y.payment_id = 'PAY-OLD-1'"));
        if (!TestDatabase.UsePostgres)
        {
            Assert.Equal(0, await gateway.CountAsync("SELECT count(*) FROM pragma_foreign_key_check"));
            Assert.Equal(1, await gateway.CountAsync("SELECT foreign_keys FROM pragma_foreign_keys"));
        }
        var merchant = new TestMerchant(gateway, clientId, secretKey, prefix);
        var body = TestMerchant.ValidCreate("NOV-2026");
        ((Dictionary<string, object?>)body["online_to_offline_info"]!)["payment_code"] = code;
        var again = await merchant.CreateAsync(body);
        Assert.True(again.Status == HttpStatusCode.OK, again.Body);
        Assert.Equal(1, await gateway.CountAsync("SELECT count(*) FROM payment_codes WHERE code = $c AND life = 2 AND status = 'ACTIVE'", ("$c", code)));
    }

    [Fact]
    public async Task ACashPaymentOfAnEarlierLifeFoundByReconciliationPaysThatLifeNotTheCodesLiveOne()
    {
        await RegisteredAsync("NOV-2026", 150000);
        // The customer pays NOV-2026 at the till while it is live; Tunai is never told.
        var paidAt = Start.AddMinutes(10).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        _gateway.Time.Advance(TimeSpan.FromMinutes(20));
        using var csv = new StringContent(
            $"trx_id,payment_code,amount,paid_at,store_id,terminal_id,status\r\nCASH-NOV,{_code},150000,{paidAt},TZ01,POS-01,PAID\r\n",
            System.Text.Encoding.UTF8, "text/csv");
        var imported = await _gateway.Admin.PostAsync($"/admin/v1/acquirers/{_store.AcquirerId}/reconciliations?date=2026-11-23", csv);
        var importedText = await imported.Content.ReadAsStringAsync();
        Assert.True(imported.StatusCode == HttpStatusCode.OK, importedText);
        var file = GatewayHost.Json(importedText);
        Assert.Equal("UNKNOWN_TO_TUNAI", (string)file["rows"]![0]!["class"]!);

        // NOV-2026 lapses unpaid as far as Tunai knows, and the merchant bills the number again for December.
        _gateway.Time.Advance(TimeSpan.FromHours(1));
        await RegisteredAsync("DEC-2026", 150000);

        var resolved = await _gateway.Admin.PostAsync($"/admin/v1/reconciliations/{(string)file["id"]!}/rows/{(int)file["rows"]![0]!["line"]!}/resolve", null);
        var text = await resolved.Content.ReadAsStringAsync();
        Assert.True(resolved.StatusCode == HttpStatusCode.OK, text);
        // The cash paid November's bill: December's stays payable, and the payment names November's invoice.
        Assert.Equal("PAID", (string)(await _gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c AND invoice_number = 'NOV-2026'", ("$c", _code)))["status"]!);
        Assert.Equal("ACTIVE", (string)(await _gateway.RowAsync("SELECT status FROM payment_codes WHERE code = $c AND invoice_number = 'DEC-2026'", ("$c", _code)))["status"]!);
        Assert.Equal("NOV-2026", (string)(await _gateway.RowAsync("SELECT invoice_number FROM payments WHERE trx_id = 'CASH-NOV'"))["invoice_number"]!);
        Assert.Equal("success", (string)(await _store.InquiryAsync(_code)).Json["online_to_offline_inquiry"]!["status"]!);
        await Money.LedgerAssertions.AssertBalancedAsync(_gateway);
    }

    /// <summary>
    /// What migration 0020 changes of payment_codes' schema is only what it means to: the code's own UNIQUE goes, the
    /// life column and the two indexes of lives come. Every other column (type, nullability, default), index, trigger,
    /// check and foreign key, into the table or out of it, that migrations 0001 to 0019 made is there after, as it was
    /// (on SQLite, whose table is made anew, by its text in sqlite_master).
    /// </summary>
    [Fact]
    public async Task TheUpgradeKeepsEveryIndexKeyAndCheckOfPaymentCodesButTheCodesOwnUnique()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await TestDatabase.CreateAsync(Directory.CreateTempSubdirectory("tunai-tests-").FullName);
        List<string> before;
        await using (var connection = await database.MigratedThroughAsync(19, ct))
        {
            before = await SchemaOfPaymentCodesAsync(connection);
        }
        // Read while the gateway that migrated it runs (stopping it drops a PostgreSQL test database).
        await using var gateway = await GatewayHost.StartOnAsync(database);
        List<string> after;
        await using (var connection = database.Open(forReading: false))
        {
            await connection.OpenAsync(ct);
            Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations WHERE version = 20"));
            after = await SchemaOfPaymentCodesAsync(connection);
        }

        string[] gone = TestDatabase.UsePostgres
            ? ["constraint payment_codes_code_key UNIQUE (code)", "index payment_codes_code_key CREATE UNIQUE INDEX payment_codes_code_key ON public.payment_codes USING btree (code)"]
            : ["index sqlite_autoindex_payment_codes_1 "];
        Assert.Equal(gone.Order(), before.Except(after).Order());
        string[] added = TestDatabase.UsePostgres
            ? ["column life bigint NO 1", "constraint payment_codes_life_check CHECK ((life >= 1))",
                "index payment_codes_code_life CREATE UNIQUE INDEX payment_codes_code_life ON public.payment_codes USING btree (code, life)",
                "index payment_codes_live_code CREATE UNIQUE INDEX payment_codes_live_code ON public.payment_codes USING btree (code) WHERE (status = 'ACTIVE'::text)"]
            : ["check (life >= 1)", "column life INTEGER 1 1 0",
                "index payment_codes_code_life CREATE UNIQUE INDEX payment_codes_code_life ON payment_codes (code, life)",
                "index payment_codes_live_code CREATE UNIQUE INDEX payment_codes_live_code ON payment_codes (code) WHERE status = 'ACTIVE'"];
        Assert.Equal(added.Order(), after.Except(before).Order());
    }

    /// <summary>payment_codes' columns, indexes, triggers, checks and the foreign keys into and out of it, one a line.</summary>
    private static async Task<List<string>> SchemaOfPaymentCodesAsync(System.Data.Common.DbConnection connection)
    {
        var queries = TestDatabase.UsePostgres
            ? new[]
            {
                """
                SELECT 'column ' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
                FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'payment_codes'
                """,
                "SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'payment_codes'",
                """
                SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conrelid = 'payment_codes'::regclass OR confrelid = 'payment_codes'::regclass
                """,
                "SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = 'payment_codes'::regclass AND NOT tgisinternal",
            }
            : new[]
            {
                """
                SELECT 'column ' || name || ' ' || type || ' ' || "notnull" || ' ' || coalesce(dflt_value, '') || ' ' || pk
                FROM pragma_table_info('payment_codes')
                """,
                "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master WHERE tbl_name = 'payment_codes' AND type IN ('index', 'trigger')",
                """
                SELECT 'foreign key ' || m.name || '.' || f."from" || ' -> ' || f."table" || '.' || coalesce(f."to", '') || ' ' || f.on_delete
                FROM sqlite_master m, pragma_foreign_key_list(m.name) f
                WHERE m.type = 'table' AND (f."table" = 'payment_codes' OR m.name = 'payment_codes')
                """,
            };
        var lines = new List<string>();
        foreach (var sql in queries)
        {
            lines.AddRange(await connection.QueryAsync<string>(sql));
        }
        if (!TestDatabase.UsePostgres)
        {
            var table = await connection.ExecuteScalarAsync<string>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'payment_codes'");
            lines.AddRange(System.Text.RegularExpressions.Regex.Matches(table!, @"(?i)check \(([^()]|\([^()]*\))*\)").Select(m => m.Value.ToLowerInvariant()));
        }
        return lines;
    }
}
