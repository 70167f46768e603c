using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Operations;

/// <summary>The log lines written while a request runs carry its trace id, Client-Id and invoice number as scopes.</summary>
public sealed class LogScopeTests
{
    private static Dictionary<string, object?> ScopeValues(FakeLogRecord record) =>
        record.Scopes.OfType<IEnumerable<KeyValuePair<string, object?>>>().SelectMany(s => s)
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    [Fact]
    public async Task LinesOfAMerchantRequestCarryItsTraceClientIdAndInvoiceNumber()
    {
        await using var gateway = await GatewayHost.StartWithAsync(b => b.Logging.AddFakeLogging(),
            // "Executing endpoint" is written inside the request by ASP.NET Core's routing: a line every request has.
            "Logging:LogLevel:Microsoft.AspNetCore.Routing=Information");
        var merchant = await gateway.CreateMerchantAsync();
        var invoice = "INV-SCOPE-" + Guid.NewGuid().ToString("N")[..8];
        await merchant.CreateCodeAsync(TestMerchant.ValidCreate(invoice));
        var status = await merchant.SendAsync(HttpMethod.Get, $"/orders/v1/status/{invoice}", null);
        Assert.Equal(HttpStatusCode.OK, status.Status);

        var lines = gateway.Services.GetFakeLogCollector().GetSnapshot()
            .Where(r => r.Category == "Microsoft.AspNetCore.Routing.EndpointMiddleware")
            .Select(ScopeValues)
            .Where(scope => Equals(scope.GetValueOrDefault("ClientId"), merchant.ClientId))
            .ToList();
        Assert.True(lines.Count >= 2, $"{lines.Count} routing lines carry the merchant's Client-Id");
        Assert.All(lines, scope => Assert.Matches("^[0-9a-f]{32}$", Convert.ToString(scope["TraceId"], System.Globalization.CultureInfo.InvariantCulture)!));
        Assert.Contains(lines, scope => Equals(scope.GetValueOrDefault("InvoiceNumber"), invoice));

        // A request without a Client-Id (the admin API) has no such scope.
        var admin = gateway.Services.GetFakeLogCollector().GetSnapshot()
            .Where(r => r.Category == "Microsoft.AspNetCore.Routing.EndpointMiddleware" && r.Message.Contains("admin", StringComparison.OrdinalIgnoreCase))
            .Select(ScopeValues).ToList();
        Assert.NotEmpty(admin);
        Assert.All(admin, scope => Assert.False(scope.ContainsKey("ClientId")));
    }
}
