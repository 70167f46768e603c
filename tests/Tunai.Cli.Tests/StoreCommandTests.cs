using Tunai.Gateway.Tests.Infrastructure;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Tunai.Cli.Tests;

/// <summary><c>tunai store</c> against a real gateway (Kestrel, SQLite) with acquirer credentials made through the admin API.</summary>
public sealed partial class StoreCommandTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private Task<CliRun> Store(params string[] args) =>
        CliRun.RunAsync(Path.GetTempPath(), fixture.Gateway.Time,
            ["store", .. args, "--gateway", fixture.Gateway.BaseAddress.ToString(),
             "--client-id", fixture.AcquirerClientId, "--secret-key", fixture.AcquirerSecretKey]);

    [GeneratedRegex("PAY-[A-Z0-9]+")]
    private static partial Regex PaymentId();

    [Fact]
    public async Task InquiryShowsTheAmountAndTheCustomer()
    {
        var (code, _) = await fixture.Merchant.CreateCodeAsync();

        var run = await Store("inquiry", code);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Rp150.000", run.Out, StringComparison.Ordinal);
        Assert.Contains("Anton Budiman", run.Out, StringComparison.Ordinal);
        Assert.Contains("Merchant Demo Store", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PayPrintsAReceiptAndTheCodeCannotBePaidTwice()
    {
        var (code, _) = await fixture.Merchant.CreateCodeAsync();

        var run = await Store("pay", code, "--agent", "ALFAMIDI");

        Assert.True(run.ExitCode == 0, run.ToString());
        var paymentId = PaymentId().Match(run.Out).Value;
        Assert.NotEmpty(paymentId);
        Assert.Contains(code, run.Out, StringComparison.Ordinal);
        Assert.Contains("ALFAMIDI", run.Out, StringComparison.Ordinal);
        Assert.Contains(" WIB", run.Out, StringComparison.Ordinal);
        Assert.Contains("Trx id        ALFA-", run.Out, StringComparison.Ordinal);
        Assert.Equal(1, await fixture.Gateway.CountAsync("SELECT count(*) FROM payments WHERE payment_id = @id", ("@id", paymentId)));

        var again = await Store("pay", code);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("billing_already_paid", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongAmountIsDeclined()
    {
        var (code, _) = await fixture.Merchant.CreateCodeAsync();

        var run = await Store("pay", code, "--amount", "149999");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("decline", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, await fixture.Gateway.CountAsync("SELECT count(*) FROM payments WHERE code = @code", ("@code", code)));
    }

    [Fact]
    public async Task AReversedPaymentLetsTheCodeBePaidAgain()
    {
        var (code, _) = await fixture.Merchant.CreateCodeAsync();
        var trxId = $"ALFA-TEST-{Guid.NewGuid():N}";
        var paid = await Store("pay", code, "--trx-id", trxId);
        Assert.True(paid.ExitCode == 0, paid.ToString());

        var reversed = await Store("reverse", code, "--trx-id", trxId);

        Assert.True(reversed.ExitCode == 0, reversed.ToString());
        Assert.Contains(PaymentId().Match(paid.Out).Value, reversed.Out, StringComparison.Ordinal);
        var again = await Store("pay", code);
        Assert.True(again.ExitCode == 0, again.ToString());
    }

    [Fact]
    public async Task ReverseWithoutTrxIdIsAUsageError()
    {
        var run = await Store("reverse", "8888000000000001");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--trx-id", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownCodeIsRefusedWithBillingNotFound()
    {
        var run = await Store("pay", "9999999999999999");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("billing_not_found", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task JsonPrintsTheRawResponse()
    {
        var (code, _) = await fixture.Merchant.CreateCodeAsync();

        var run = await Store("inquiry", code, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = Tunai.Gateway.Tests.Infrastructure.GatewayHost.Json(run.Out);
        Assert.Equal("success", (string?)json["online_to_offline_inquiry"]!["status"]);
        Assert.Equal(150000, (long)json["order"]!["amount"]!);
    }

    [Fact]
    public async Task AGatewayThatIsDownIsExitCode2WithOneLine()
    {
        // A port that was free a moment ago: nothing listens there.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await CliRun.RunAsync(Path.GetTempPath(), TimeProvider.System,
            "store", "inquiry", "8888000000000001", "--gateway", $"http://127.0.0.1:{port}", "--client-id", "x", "--secret-key", "y");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("cannot reach the gateway", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task WrongCredentialsAreExitCode2()
    {
        var run = await CliRun.RunAsync(Path.GetTempPath(), fixture.Gateway.Time,
            "store", "inquiry", "8888000000000001", "--gateway", fixture.Gateway.BaseAddress.ToString(),
            "--client-id", fixture.AcquirerClientId, "--secret-key", "not-the-secret");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task CredentialsAreReadFromTheSandboxEnvFile()
    {
        var folder = Directory.CreateTempSubdirectory("tunai-cli-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "data"));
            await File.WriteAllTextAsync(Path.Combine(folder, "data", "sandbox.env"),
                $"""
                # Tunai sandbox credentials
                export TUNAI_CLIENT_ID=MCH-unused
                export TUNAI_ACQUIRER_CLIENT_ID={fixture.AcquirerClientId}
                export TUNAI_ACQUIRER_SECRET_KEY={fixture.AcquirerSecretKey}

                """, TestContext.Current.CancellationToken);
            var (code, _) = await fixture.Merchant.CreateCodeAsync();

            var run = await CliRun.RunAsync(folder, fixture.Gateway.Time,
                "store", "inquiry", code, "--gateway", fixture.Gateway.BaseAddress.ToString());

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("Rp150.000", run.Out, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task WithoutCredentialsItSaysWhereToPutThem()
    {
        var folder = Directory.CreateTempSubdirectory("tunai-cli-").FullName;
        try
        {
            var run = await CliRun.RunAsync(folder, TimeProvider.System, "store", "inquiry", "8888000000000001");

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains("data/sandbox.env", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AnUnknownBrandIsAUsageError()
    {
        var run = await Store("inquiry", "8888000000000001", "--agent", "INDOMARET");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData(150000, "Rp150.000")]
    [InlineData(1, "Rp1")]
    [InlineData(1234567890, "Rp1.234.567.890")]
    public void RupiahUsesDotsForThousands(long amount, string expected) =>
        Assert.Equal(expected, StoreCommands.Rupiah(amount));

    private async Task<string> InsuredCodeAsync()
    {
        var body = TestMerchantBodies.Insured();
        var (code, _) = await fixture.Merchant.CreateCodeAsync(body);
        return code;
    }

    [Fact]
    public async Task InquiryShowsEveryInfoLineAndTheInsuranceData()
    {
        var code = await InsuredCodeAsync();

        var run = await Store("inquiry", code);

        Assert.True(run.ExitCode == 0, run.ToString());
        var screen = run.Out.ReplaceLineEndings("\n");
        Assert.Contains("Asuransi Demo\nBaris dua\nBaris tiga\n", screen, StringComparison.Ordinal);
        Assert.Contains("Policy type   Dana Pendidikan", screen, StringComparison.Ordinal);
        Assert.Contains("Policy number 9090901234", screen, StringComparison.Ordinal);
        Assert.Contains("Bill due date 21 May 2021", screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PayPrintsTheInsuranceDataAndTheFooterMessageOnTheReceipt()
    {
        var code = await InsuredCodeAsync();

        var run = await Store("pay", code);

        Assert.True(run.ExitCode == 0, run.ToString());
        var receipt = run.Out.ReplaceLineEndings("\n");
        var start = receipt.IndexOf("----", StringComparison.Ordinal);
        Assert.True(start >= 0, run.ToString());
        receipt = receipt[start..];
        const string rule = "----------------------------------------";
        Assert.Contains($"Trx id        ALFA-", receipt, StringComparison.Ordinal);
        Assert.Contains($"{rule}\nPolicy type   Dana Pendidikan\nPolicy number 9090901234\nPolicy status aktif\nBill due date 21 May 2021\n{rule}\n", receipt, StringComparison.Ordinal);
        Assert.EndsWith($"{rule}\nCall Center 021 555-0525\n{rule}\n", receipt, StringComparison.Ordinal);
    }
}

/// <summary>Bodies with everything a receipt can carry, as the reference's insurance sample writes them.</summary>
internal static class TestMerchantBodies
{
    public static Dictionary<string, object?> Insured()
    {
        var body = TestMerchant.ValidCreate();
        body["online_to_offline_info"] = new { expired_time = 60, reusable_status = false, info1 = "Asuransi Demo", info2 = "Baris dua", info3 = "Baris tiga" };
        body["alfa_info"] = new { receipt = new { footer_message = "Call Center 021 555-0525" } };
        body["additional_info"] = new
        {
            insurance_info = new
            {
                policy_type = "Dana Pendidikan",
                policy_number = "9090901234",
                policy_status = "aktif",
                bill_due_date = "21 May 2021",
            },
        };
        return body;
    }
}
