using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.Storage;
using Tunai.Gateway.Tests.Infrastructure;
using WriterStep = Tunai.Gateway.Storage.SqliteWriter.WriterStep;

namespace Tunai.Gateway.Tests.Storage;

/// <summary>
/// While the database refuses every write (here SQLite's writer failing each COMMIT as a full disk does, through its
/// fault hook), each API answers 503 with Retry-After in its own shape: the merchant's signed error, the store's
/// error, SNAP's responseCode. Nothing of a refused request is kept: once the database writes again, the same
/// Request-Id is new work, not a replay. (The real full disk and the real PostgreSQL stop are the process tests'.)
/// </summary>
public sealed class OutageAnswerTests
{
    [Fact]
    public async Task EveryApiAnswers503WithRetryAfterInItsOwnShapeAndKeepsNothing()
    {
        if (TestDatabase.UsePostgres)
        {
            Assert.Skip("SQLite's writer only: the PostgreSQL outage is PostgresOutageTests'");
        }
        await using var gateway = await GatewayHost.StartAsync();
        var merchant = await gateway.CreateMerchantAsync();
        var store = await TestStore.CreateAsync(gateway);
        using var snap = await SnapMerchant.CreateAsync(gateway, merchant);
        var token = await snap.TokenAsync();
        var (code, _) = await merchant.CreateCodeAsync();
        var writer = gateway.Services.GetRequiredService<Database>().Writer!;
        writer.Fault = step =>
        {
            if (step == WriterStep.Commit)
            {
                throw new SqliteException("database or disk is full", 13);
            }
        };

        var requestId = Guid.NewGuid().ToString();
        var created = await merchant.CreateAsync(TestMerchant.ValidCreate("INV-FULL-1"), requestId);
        created.AssertError(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        Assert.Equal("5", created.Headers["Retry-After"]);
        Assert.Contains("its disk is full", (string)created.Json["error"]!["message"]!, StringComparison.Ordinal);
        created.AssertSignedBy(merchant);

        var paid = await store.PayAsync(code, 150000);
        paid.AssertError(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        Assert.Equal("5", paid.Headers["Retry-After"]);

        var snapCreated = await snap.SendAsync(HttpMethod.Post, SnapMerchant.CreatePath, snap.CreateBody().ToJsonString(), token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, snapCreated.Status);
        Assert.Equal("5032700", snapCreated.Code);
        Assert.Equal("5", snapCreated.Headers["Retry-After"]);

        writer.Fault = null;
        var again = await merchant.CreateAsync(TestMerchant.ValidCreate("INV-FULL-1"), requestId);
        Assert.True(again.Status == HttpStatusCode.OK, again.Body);
        Assert.False(again.Headers.ContainsKey("Tunai-Replayed"));
    }
}
