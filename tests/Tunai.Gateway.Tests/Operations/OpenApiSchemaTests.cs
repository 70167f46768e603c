using System.Net;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tunai.Gateway.OpenApi;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Operations;

/// <summary>
/// The documents' schemas against their own examples and against the gateway's real answers. The schemas are read as
/// JSON Schema 2020-12, which OpenAPI 3.1 uses, with JsonSchema.Net; formats (uri, date-time) are checked too.
/// </summary>
public sealed class OpenApiSchemaTests : IAsyncLifetime
{
    /// <summary>Writes that take no body: the route says everything.</summary>
    private static readonly string[] Bodiless =
    [
        "POST /admin/v1/merchants/{clientId}/secret-keys/sign-with-new",
        "POST /admin/v1/merchants/{clientId}/settlement-accounts/{accountId}/deactivate",
        "POST /admin/v1/merchants/{clientId}/sub-accounts/{accountId}/deactivate",
        "POST /admin/v1/notifications/{id}/retry",
        "POST /admin/v1/snap/gateway-keys",
        "POST /admin/v1/reconciliations/{reconciliationId}/rows/{line}/resolve",
    ];

    private GatewayHost _gateway = null!;
    private readonly Dictionary<string, JsonNode> _documents = [];

    public async ValueTask InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync();
        foreach (var name in new[] { ApiDocuments.Merchant, ApiDocuments.Store, ApiDocuments.Admin, ApiDocuments.Snap })
        {
            using var response = await _gateway.Http.GetAsync($"/openapi/{name}.json", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            _documents[name] = GatewayHost.Json(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>
    /// A schema of the document as a standalone JSON Schema: its components become <c>$defs</c> beside it, so the
    /// <c>$ref</c>s resolve.
    /// </summary>
    private static JsonSchema SchemaOf(JsonNode document, JsonNode schema)
    {
        var text = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["allOf"] = new JsonArray(schema.DeepClone()),
            ["$defs"] = document["components"]?["schemas"]?.DeepClone() ?? new JsonObject(),
        }.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text);
    }

    private static IReadOnlyList<string> Errors(JsonSchema schema, JsonNode? instance)
    {
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))];
    }

    /// <summary>Every (name, example, schema) of a document, its webhooks' included: request bodies and answers, JSON ones.</summary>
    private static IEnumerable<(string Where, JsonNode? Example, JsonNode Schema)> Examples(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject().Concat(document["webhooks"]?.AsObject() ?? []))
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var bodies = new List<(string, JsonNode?)> { ($"{method} {path} request", operation!["requestBody"]) };
                bodies.AddRange((operation["responses"]?.AsObject() ?? []).Select(r => ($"{method} {path} {r.Key}", r.Value)));
                foreach (var (where, body) in bodies)
                {
                    if (body?["content"]?["application/json"] is not { } media)
                    {
                        continue;
                    }
                    foreach (var (name, example) in media["examples"]?.AsObject() ?? [])
                    {
                        yield return ($"{where} example {name}", example!["value"], media["schema"]!);
                    }
                }
            }
        }
    }

    [Fact]
    public void EveryExampleOfEveryOperationValidatesAgainstItsSchema()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var (name, document) in _documents)
        {
            foreach (var (where, example, schema) in Examples(document))
            {
                count++;
                var errors = Errors(SchemaOf(document, schema), example);
                if (errors.Count > 0)
                {
                    failures.Add($"{name}: {where}: {string.Join("; ", errors)}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The reference's samples (generate, update, cancel, status, store calls) and an example per admin operation.
        Assert.True(count > 80, $"only {count} examples");
    }

    [Theory]
    [InlineData("customer", "name", null)] // customer.name is mandatory
    [InlineData("order", "amount", "\"12x\"")]
    [InlineData("order", "amount", "0")]
    [InlineData("order", "invoice_number", "\"   \"")] // blank is absent for the gateway
    [InlineData("online_to_offline_info", "reusable_status", "\"yes\"")]
    [InlineData("online_to_offline_info", "info", "\"0123456789012345678901234567890\"")] // 31 characters
    public void ABrokenExampleIsRefusedByTheSameValidation(string parent, string field, string? value)
    {
        var document = _documents[ApiDocuments.Merchant];
        var media = document["paths"]!["/alfa-online-to-offline/v2/payment-code"]!["post"]!["requestBody"]!["content"]!["application/json"]!;
        var schema = SchemaOf(document, media["schema"]!);
        var example = media["examples"]!["dgpc"]!["value"]!.DeepClone();
        Assert.Empty(Errors(schema, example));

        if (value is null)
        {
            example[parent]!.AsObject().Remove(field);
        }
        else
        {
            example[parent]![field] = JsonNode.Parse(value);
        }
        Assert.NotEmpty(Errors(schema, example));
    }

    [Fact]
    public void AnErrorCodeAnOperationCannotAnswerIsRefusedByItsSchema()
    {
        var document = _documents[ApiDocuments.Merchant];
        var notFound = document["paths"]!["/orders/v1/status/{invoice_number}"]!["get"]!["responses"]!["404"]!["content"]!["application/json"]!["schema"]!;
        var schema = SchemaOf(document, notFound);
        Assert.Empty(Errors(schema, JsonNode.Parse("""{"error":{"code":"order_not_found","message":"No order"}}""")));
        Assert.NotEmpty(Errors(schema, JsonNode.Parse("""{"error":{"code":"merchant_not_found","message":"No merchant"}}""")));
    }

    [Fact]
    public void EveryOperationHasItsRequestAndAnswerSchemasAndExamples()
    {
        var routes = _gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Template: e.RoutePattern.RawText!)))
            .Distinct().ToList();
        var missing = new List<string>();
        foreach (var (method, template) in routes)
        {
            var name = ApiDocuments.DocumentOf(template);
            // The how-to-pay page is HTML for a customer's browser; operational routes are in no document.
            if (name is null || template.StartsWith("/how-to-pay/", StringComparison.Ordinal))
            {
                continue;
            }
            // SNAP operations are described by SnapDocs (their own wire form), the others by an OperationDoc.
            var doc = name == ApiDocuments.Snap ? new OperationDoc(method, template) : OperationDocs.Find(method, template);
            if (doc is null)
            {
                missing.Add($"{method} {template}: no OperationDoc");
                continue;
            }
            var operation = Path(_documents[name], doc.Route)[method.ToLowerInvariant()]!;
            var takesBody = method is "POST" or "PATCH" or "PUT" && !Bodiless.Contains($"{method} {doc.Route}");
            if (takesBody && operation["requestBody"]?["content"]?.AsObject().FirstOrDefault().Value?["schema"] is null)
            {
                missing.Add($"{method} {doc.Route}: no request schema");
            }
            if (takesBody && operation["requestBody"]?["content"]?.AsObject().FirstOrDefault().Value?["examples"] is null)
            {
                missing.Add($"{method} {doc.Route}: no request example");
            }
            var success = operation["responses"]!.AsObject().Where(r => r.Key.StartsWith('2')).ToList();
            if (success.Count == 0 || success.Any(r => r.Value!["content"]?.AsObject().FirstOrDefault().Value?["schema"] is null))
            {
                missing.Add($"{method} {doc.Route}: no answer schema for its success");
            }
            if (!success.Any(r => r.Value!["content"]?.AsObject().Any(c => c.Value?["examples"] is not null) == true))
            {
                missing.Add($"{method} {doc.Route}: no example of its success");
            }
            // Tunai's SNAP public key takes no input and no credentials: there is nothing to refuse.
            if (!operation["responses"]!.AsObject().Any(r => r.Key.StartsWith('4')) && $"{method} {doc.Route}" != "GET /snap/public-key")
            {
                missing.Add($"{method} {doc.Route}: no refusal described");
            }
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    /// <summary>A path of a document, whichever way the generator wrote a group's root ("/admin/v1/merchants/").</summary>
    private static JsonNode Path(JsonNode document, string route) =>
        document["paths"]!.AsObject().Single(p => p.Key.TrimEnd('/') == route).Value!;

    /// <summary>The schema of an answer as documented: the operation's response for that status, JSON.</summary>
    private JsonSchema AnswerSchema(string document, string method, string path, HttpStatusCode status)
    {
        var doc = _documents[document];
        var response = Path(doc, path)[method]?["responses"]?[((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)];
        Assert.True(response?["content"]?["application/json"]?["schema"] is not null, $"{method} {path} documents no {(int)status} answer");
        return SchemaOf(doc, response!["content"]!["application/json"]!["schema"]!);
    }

    private void AssertDocumented(string document, string method, string path, HttpStatusCode status, string body)
    {
        var errors = Errors(AnswerSchema(document, method, path, status), JsonNode.Parse(body));
        Assert.True(errors.Count == 0, $"{method} {path} {(int)status} answered outside its schema: {string.Join("; ", errors)}\n{body}");
    }

    [Fact]
    public async Task RealAnswersOfTheGatewayMatchTheirDocumentedSchemas()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var created = await _gateway.Admin.PostAsync("/admin/v1/merchants",
                   new StringContent("""{"name":"Toko Skema","notification_url":"https://shop.example.test/notify"}""", System.Text.Encoding.UTF8, "application/json"), ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            AssertDocumented(ApiDocuments.Admin, "post", "/admin/v1/merchants", created.StatusCode, await created.Content.ReadAsStringAsync(ct));
        }
        var merchant = await _gateway.CreateMerchantAsync();
        using (var read = await _gateway.Admin.GetAsync($"/admin/v1/merchants/{merchant.ClientId}", ct))
        {
            AssertDocumented(ApiDocuments.Admin, "get", "/admin/v1/merchants/{clientId}", read.StatusCode, await read.Content.ReadAsStringAsync(ct));
        }
        using (var unknown = await _gateway.Admin.GetAsync("/admin/v1/merchants/MCH-NOBODY", ct))
        {
            AssertDocumented(ApiDocuments.Admin, "get", "/admin/v1/merchants/{clientId}", unknown.StatusCode, await unknown.Content.ReadAsStringAsync(ct));
        }

        var body = TestMerchant.ValidCreate();
        var create = await merchant.CreateAsync(body, path: TestMerchant.CreatePathVirtualAccount);
        Assert.Equal(HttpStatusCode.OK, create.Status);
        AssertDocumented(ApiDocuments.Merchant, "post", TestMerchant.CreatePathVirtualAccount, create.Status, create.Body);
        var code = (string)create.Json["online_to_offline_info"]!["payment_code"]!;
        var invoice = (string)create.Json["order"]!["invoice_number"]!;

        var refused = await merchant.CreateAsync(TestMerchant.ValidCreate(invoice));
        AssertDocumented(ApiDocuments.Merchant, "post", TestMerchant.CreatePath, refused.Status, refused.Body);

        var store = await TestStore.CreateAsync(_gateway);
        var inquiry = await store.InquiryAsync(code);
        Assert.Equal(HttpStatusCode.OK, inquiry.Status);
        AssertDocumented(ApiDocuments.Store, "post", TestStore.InquiryPath, inquiry.Status, inquiry.Body);
        var payment = await store.PayAsync(code, 150000);
        Assert.Equal(HttpStatusCode.OK, payment.Status);
        AssertDocumented(ApiDocuments.Store, "post", TestStore.PaymentPath, payment.Status, payment.Body);
        var again = await store.InquiryAsync(code);
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        AssertDocumented(ApiDocuments.Store, "post", TestStore.InquiryPath, again.Status, again.Body);
        var nobody = await store.InquiryAsync(merchant.CodePrefix + "999999999");
        AssertDocumented(ApiDocuments.Store, "post", TestStore.InquiryPath, nobody.Status, nobody.Body);

        var status = await merchant.SendAsync(HttpMethod.Get, $"/orders/v1/status/{invoice}", null);
        Assert.Equal(HttpStatusCode.OK, status.Status);
        AssertDocumented(ApiDocuments.Merchant, "get", "/orders/v1/status/{invoice_number}", status.Status, status.Body);
        var noOrder = await merchant.SendAsync(HttpMethod.Get, "/orders/v1/status/INV-NONE", null);
        Assert.Equal(HttpStatusCode.NotFound, noOrder.Status);
        AssertDocumented(ApiDocuments.Merchant, "get", "/orders/v1/status/{invoice_number}", noOrder.Status, noOrder.Body);

        var howToPay = new Uri((string)create.Json["online_to_offline_info"]!["how_to_pay_api"]!).AbsolutePath;
        using (var page = await _gateway.Http.GetAsync(howToPay, ct))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            AssertDocumented(ApiDocuments.Merchant, "get", "/alfa-online-to-offline/v2/how-to-pay-api/{code}/{token}", page.StatusCode, await page.Content.ReadAsStringAsync(ct));
        }

        var trx = TestStore.NewTrxId();
        var second = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(second.Code, 150000, trx)).Status);
        var reversal = await store.ReverseAsync(second.Code, trx);
        Assert.Equal(HttpStatusCode.OK, reversal.Status);
        AssertDocumented(ApiDocuments.Store, "post", TestStore.ReversalPath, reversal.Status, reversal.Body);
        var twice = await store.ReverseAsync(second.Code, TestStore.NewTrxId());
        Assert.Equal(HttpStatusCode.NotFound, twice.Status);
        AssertDocumented(ApiDocuments.Store, "post", TestStore.ReversalPath, twice.Status, twice.Body);

        using var codes = await _gateway.Admin.GetAsync($"/admin/v1/payment-codes?client_id={merchant.ClientId}", ct);
        AssertDocumented(ApiDocuments.Admin, "get", "/admin/v1/payment-codes", codes.StatusCode, await codes.Content.ReadAsStringAsync(ct));
        using var broken = await _gateway.Admin.PostAsync("/admin/v1/acquirers",
            new StringContent("""{"id":"lower case","name":"Alfa"}""", System.Text.Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        AssertDocumented(ApiDocuments.Admin, "post", "/admin/v1/acquirers", broken.StatusCode, await broken.Content.ReadAsStringAsync(ct));
    }

    /// <summary>What the gateway posts to a merchant (a notification, a direct inquiry) against the merchant document's webhooks.</summary>
    [Fact]
    public async Task RealCallsToAMerchantMatchTheDocumentedWebhooks()
    {
        await using var endpoint = await MerchantEndpoint.StartAsync();
        var merchant = await endpoint.RegisterAsync(_gateway);
        var store = await TestStore.CreateAsync(_gateway);
        var (code, _) = await merchant.CreateCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await store.PayAsync(code, 150000)).Status);
        await store.InquiryAsync(merchant.CodePrefix + "77777777");
        await Eventually.WaitAsync(() => endpoint.CallsTo(MerchantEndpoint.NotificationPath).Count == 1, "the notification");

        var document = _documents[ApiDocuments.Merchant];
        foreach (var (webhook, path) in new[] { ("payment-notification", MerchantEndpoint.NotificationPath), ("direct-inquiry", MerchantEndpoint.InquiryPath) })
        {
            var schema = SchemaOf(document, document["webhooks"]![webhook]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!);
            var call = Assert.Single(endpoint.CallsTo(path));
            var errors = Errors(schema, call.Json);
            Assert.True(errors.Count == 0, $"{webhook}: {string.Join("; ", errors)}\n{call.Json.ToJsonString()}");
        }
    }
}
