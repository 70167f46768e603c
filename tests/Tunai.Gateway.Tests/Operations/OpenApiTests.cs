using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.OpenApi;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Operations;

/// <summary>The OpenAPI documents the gateway serves, checked against the routes it really has.</summary>
public sealed partial class OpenApiTests : IAsyncLifetime
{
    /// <summary>Routes for operators and tools, in no API document on purpose (and the sandbox's /reference pages).</summary>
    private static readonly string[] Operational = ["/healthz", "/readyz", "/metrics", "/openapi/{documentName}.json"];

    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayHost.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<JsonNode> DocumentAsync(string name)
    {
        using var response = await _gateway.Http.GetAsync($"/openapi/{name}.json", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return GatewayHost.Json(text);
    }

    /// <summary>A route template as OpenAPI writes it: no catch-all stars, no constraints, no trailing slash.</summary>
    private static string Normalize(string template) =>
        Constraint().Replace("/" + template.Trim('/'), "{$1}").Replace("{**", "{").Replace("{*", "{");

    [GeneratedRegex(@"\{([^}:=?]+)[^}]*\}")]
    private static partial Regex Constraint();

    [Fact]
    public async Task EveryRouteOfTheGatewayIsDescribedInItsDocument()
    {
        var documents = new Dictionary<string, JsonNode>
        {
            [ApiDocuments.Merchant] = await DocumentAsync(ApiDocuments.Merchant),
            [ApiDocuments.Store] = await DocumentAsync(ApiDocuments.Store),
            [ApiDocuments.Admin] = await DocumentAsync(ApiDocuments.Admin),
            [ApiDocuments.Snap] = await DocumentAsync(ApiDocuments.Snap),
        };
        // From the app's own endpoint data sources: a route added later must be described (or declared operational) too.
        var routes = _gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (Method: m, Path: Normalize(e.RoutePattern.RawText!))))
            .Distinct().ToList();
        Assert.Contains(routes, r => r.Path == "/alfa-online-to-offline/v2/payment-code");
        var missing = new List<string>();
        foreach (var (method, path) in routes)
        {
            // The back office is an HTML console for people, not an API: no document describes it (nor the route
            // Razor components map for their redirects).
            if (Operational.Contains(path) || path.StartsWith("/reference", StringComparison.Ordinal)
                || path.StartsWith("/backoffice", StringComparison.Ordinal) || path.StartsWith("/_framework/", StringComparison.Ordinal))
            {
                continue;
            }
            var name = ApiDocuments.DocumentOf(path);
            var described = name is null ? null : documents[name]["paths"]!.AsObject().Where(p => Normalize(p.Key) == path).Select(p => p.Value).FirstOrDefault();
            var operation = described?[method.ToLowerInvariant()];
            if (operation is null)
            {
                missing.Add($"{method} {path} ({name ?? "no document"})");
            }
        }
        Assert.True(missing.Count == 0, "routes not described:\n" + string.Join("\n", missing));
    }

    [Fact]
    public async Task TheSandboxServesAnInteractiveReferenceAndProductionDoesNot()
    {
        using var page = await _gateway.Http.GetAsync("/reference/merchant", TestContext.Current.CancellationToken);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(page.StatusCode == HttpStatusCode.OK, html);
        Assert.True(html.Contains("merchant.json", StringComparison.Ordinal), html);
        // None of the hosted service's buttons: its AI agent and MCP server are disabled, its developer toolbar hidden.
        Assert.Matches(@"""agent""\s*:\s*\{\s*""disabled""\s*:\s*true", html);
        Assert.Matches(@"""showDeveloperTools""\s*:\s*""never""", html);

        await using var production = await GatewayHost.StartAsync(null, "Tunai:Mode=Production", "Tunai:PublicBaseUrl=https://pay.example.test");
        using var none = await production.Http.GetAsync("/reference/merchant", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        using var document = await production.Http.GetAsync("/openapi/merchant.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
    }

    [Fact]
    public async Task SignedOperationsNameTheSignatureHeadersAndTheAdminOperationsTheBearerToken()
    {
        var merchant = await DocumentAsync(ApiDocuments.Merchant);
        var create = merchant["paths"]!["/alfa-online-to-offline/v2/payment-code"]!["post"]!;
        var headers = create["parameters"]!.AsArray().Where(p => (string?)p!["in"] == "header").Select(p => (string)p!["name"]!).ToList();
        Assert.Equal(["Client-Id", "Request-Id", "Request-Timestamp", "Signature"], headers.Order(StringComparer.Ordinal));
        Assert.NotNull(create["responses"]!["401"]);
        // The how-to-pay page is opened by a customer's browser: no signature.
        var page = merchant["paths"]!.AsObject().Single(p => p.Key.StartsWith("/how-to-pay/", StringComparison.Ordinal)).Value!["get"]!;
        Assert.DoesNotContain(page["parameters"]?.AsArray() ?? [], p => (string?)p!["name"] == "Signature");

        var admin = await DocumentAsync(ApiDocuments.Admin);
        Assert.Equal("bearer", (string?)admin["components"]!["securitySchemes"]!["adminToken"]!["scheme"]);
        foreach (var (path, item) in admin["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                Assert.True(operation!["security"]?[0]?["adminToken"] is not null, $"{method} {path} does not ask for the admin token");
            }
        }
        Assert.Equal("Tunai store API", (string?)(await DocumentAsync(ApiDocuments.Store))["info"]!["title"]);
    }
}
