using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Tunai.Signing;

namespace Tunai.Gateway.OpenApi;

/// <summary>
/// The gateway's routes as three OpenAPI documents, one per audience: <c>/openapi/merchant.json</c> (what a
/// merchant's integration calls, and the how-to-pay pages it hands to customers), <c>/openapi/store.json</c> (what
/// a store system calls) and <c>/openapi/admin.json</c> (the operator's API). A route belongs to the document its
/// path says; operational routes (health, metrics, these documents) belong to none. In sandbox mode <c>/reference</c>
/// shows them as an interactive reference (Scalar).
/// </summary>
public static class ApiDocuments
{
    public const string Merchant = "merchant";
    public const string Store = "store";
    public const string Admin = "admin";
    public const string Snap = "snap";

    private const string AdminScheme = "adminToken";

    /// <summary>Which document a route's path belongs to, or null for an operational route.</summary>
    public static string? DocumentOf(string? relativePath)
    {
        var path = "/" + (relativePath ?? "").TrimStart('/');
        return path switch
        {
            _ when path.StartsWith("/admin/", StringComparison.Ordinal) => Admin,
            _ when path.StartsWith("/acquirer/", StringComparison.Ordinal) => Store,
            _ when Tunai.Gateway.Snap.SnapDocs.IsSnapPath(path) => Snap,
            _ when path.StartsWith("/alfa-", StringComparison.Ordinal) || path.StartsWith("/orders/", StringComparison.Ordinal)
                || path.StartsWith("/how-to-pay/", StringComparison.Ordinal) || path.StartsWith("/settlements/", StringComparison.Ordinal) => Merchant,
            _ => null,
        };
    }

    public static IServiceCollection AddApiDocuments(this IServiceCollection services)
    {
        services.UseWireNamesInSchemas();
        foreach (var (name, title, description) in new[]
                 {
                     (Merchant, "Tunai merchant API", "Payment codes, their status, and the how-to-pay pages, wire-compatible with the Alfa O2O API. Requests and responses are signed with HMAC-SHA256 over Client-Id, Request-Id, the timestamp, the Request-Target and the body's digest (see the signature headers)."),
                     (Store, "Tunai store API", "Inquiry, payment and reversal as a store system (acquirer) calls them, signed with the acquirer's credentials."),
                     (Snap, "Tunai SNAP API", Tunai.Gateway.Snap.SnapDocs.Description),
                     (Admin, "Tunai admin API", "Merchants, acquirers, payment codes, notifications, and money (fees, accounts, payments' journals, settlements, reports, reconciliation), for the gateway's operator. Every call needs Authorization: Bearer <admin token>."),
                 })
        {
            services.AddOpenApi(name, options =>
            {
                options.ShouldInclude = api => DocumentOf(api.RelativePath) == name;
                options.AddSchemaTransformer(WireSchema.Transform);
                options.AddDocumentTransformer(async (document, context, ct) =>
                {
                    document.Info = new OpenApiInfo { Title = title, Version = "v1", Description = description };
                    if (name == Admin)
                    {
                        document.Components ??= new OpenApiComponents();
                        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                        document.Components.SecuritySchemes[AdminScheme] = new OpenApiSecurityScheme
                        {
                            Type = SecuritySchemeType.Http,
                            Scheme = "bearer",
                            Description = "The admin token (Tunai:AdminToken)",
                        };
                    }
                    if (name == Merchant)
                    {
                        await OperationDocs.AddWebhooksAsync(document, MerchantDocs.Webhooks, context, ct);
                    }
                    if (name == Snap)
                    {
                        Tunai.Gateway.Snap.SnapDocs.AddWebhooks(document);
                    }
                });
                options.AddOperationTransformer(async (operation, context, ct) =>
                {
                    var path = "/" + context.Description.RelativePath;
                    if (name == Snap)
                    {
                        Tunai.Gateway.Snap.SnapDocs.Apply(operation, path);
                        return;
                    }
                    var signed = name == Store || (name == Merchant && !path.Contains("how-to-pay", StringComparison.Ordinal));
                    if (signed)
                    {
                        operation.Parameters ??= [];
                        foreach (var (header, about) in SignatureHeaderDescriptions)
                        {
                            operation.Parameters.Add(new OpenApiParameter
                            {
                                Name = header, In = ParameterLocation.Header, Required = true, Description = about,
                                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                            });
                        }
                    }
                    if (name == Admin)
                    {
                        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AdminScheme, context.Document)] = [] }];
                    }
                    if (OperationDocs.Find(context.Description.HttpMethod ?? "GET", context.Description.RelativePath) is { } doc)
                    {
                        await OperationDocs.ApplyAsync(operation, doc, name, context, ct);
                        return;
                    }
                    var error = await context.GetOrCreateSchemaAsync(typeof(ErrorBody), null, ct);
                    operation.Responses ??= new OpenApiResponses();
                    foreach (var (status, about) in ErrorResponses(signed, name == Admin))
                    {
                        operation.Responses.TryAdd(status, new OpenApiResponse
                        {
                            Description = about,
                            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = error } },
                        });
                    }
                });
            });
        }
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocuments(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        if (app.ServiceProvider.GetRequiredService<TunaiOptions>().IsSandbox)
        {
            // An interactive reference to try the API against the sandbox; a production gateway serves only the documents.
            app.MapScalarApiReference("/reference", options => options
                .WithTitle("Tunai API reference")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .AddDocument(Merchant, "Merchant API", isDefault: true)
                .AddDocument(Store, "Store API")
                .AddDocument(Snap, "SNAP API")
                .AddDocument(Admin, "Admin API")
                // A self-hosted gateway's reference: none of the hosted service's buttons (Ask AI, its MCP server,
                // Generate SDK and Deploy in the developer toolbar), which do nothing here, and no telemetry.
                .DisableAgent()
                .DisableMcp()
                .HideDeveloperTools()
                .DisableTelemetry());
        }
        return app;
    }

    private static readonly (string Header, string About)[] SignatureHeaderDescriptions =
    [
        (SignatureHeaders.ClientId, "The caller's Client-Id (a merchant's, or a store system's for the store API)"),
        (SignatureHeaders.RequestId, "Unique per request (a UUID); also the idempotency key of a merchant's write, kept 24 hours"),
        (SignatureHeaders.RequestTimestamp, "UTC, ISO 8601 (2020-08-11T08:45:42Z), within 5 minutes of the gateway's clock"),
        (SignatureHeaders.Signature, "HMACSHA256=base64(HMAC-SHA256(secret key, Client-Id, Request-Id, Request-Timestamp, Request-Target and, with a body, Digest lines joined by \\n))"),
    ];

    private static IEnumerable<(string Status, string About)> ErrorResponses(bool signed, bool admin)
    {
        yield return ("400", "A malformed body or a broken field rule (error.field names it), or a business refusal with its stable error.code");
        if (signed)
        {
            yield return ("401", "Unknown Client-Id, missing header, stale timestamp or invalid signature (error.code says which)");
            yield return ("413", "Body over the size limit (64 KiB by default)");
            yield return ("415", "Content-Type is not application/json");
        }
        if (admin)
        {
            yield return ("401", "Missing or wrong admin token (invalid_admin_token)");
        }
    }
}
