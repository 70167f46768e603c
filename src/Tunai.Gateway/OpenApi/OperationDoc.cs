using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Tunai.Gateway.OpenApi;

/// <summary>An answer an operation gives with a body: its status, its wire type, and examples of it.</summary>
public sealed record Answer(int Status, Type Body, string Description)
{
    public IReadOnlyDictionary<string, JsonNode> Examples { get; init; } = new Dictionary<string, JsonNode>();

    public string ContentType { get; init; } = "application/json";
}

/// <summary>
/// What the generator cannot see of one operation, because its handler reads raw bytes and writes serialized ones:
/// the body it takes, the answers it gives, the stable <c>error.code</c> values it can refuse with, and examples.
/// </summary>
public sealed record OperationDoc(string Method, string Route)
{
    public Type? Request { get; init; }

    public string RequestContentType { get; init; } = "application/json";

    public IReadOnlyDictionary<string, JsonNode> RequestExamples { get; init; } = new Dictionary<string, JsonNode>();

    public IReadOnlyList<Answer> Answers { get; init; } = [];

    /// <summary>The operation's own refusals, beyond those of its audience (signature, body, admin token).</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>The audience's refusals (signature, body reading) apply: false for the how-to-pay API, which is unsigned.</summary>
    public bool Signed { get; init; } = true;

    /// <summary>The route's group limits authentication failures and the caller's rate (429s).</summary>
    public bool Limited { get; init; } = true;

    /// <summary>A call the gateway makes to the merchant (OpenAPI webhooks): the merchant's refusals are its own.</summary>
    public bool Webhook { get; init; }

    public string? Summary { get; init; }

    /// <summary>What the operation does beyond its name, where a rule needs saying (the operation's description).</summary>
    public string? Description { get; init; }

    public static JsonNode Json(string text) => JsonNode.Parse(text)!;
}

/// <summary>Every stable error code with the HTTP status it is answered with, and the sets an audience shares.</summary>
public static class ErrorCodes
{
    public static readonly IReadOnlyDictionary<string, int> Status = new Dictionary<string, int>
    {
        ["invalid_field"] = 400, ["malformed_json"] = 400, ["duplicate_json_key"] = 400, ["invalid_request_id"] = 400,
        ["invoice_number_in_use"] = 400, ["payment_code_in_use"] = 400, ["payment_code_expired"] = 400, ["amount_mismatch"] = 400,
        ["missing_header"] = 401, ["unknown_client"] = 401, ["invalid_timestamp"] = 401, ["stale_timestamp"] = 401,
        ["invalid_signature"] = 401, ["merchant_disabled"] = 401, ["acquirer_disabled"] = 401, ["invalid_admin_token"] = 401,
        ["payment_code_not_found"] = 404, ["order_not_found"] = 404, ["merchant_not_found"] = 404, ["acquirer_not_found"] = 404,
        ["account_not_found"] = 404, ["payment_not_found"] = 404, ["settlement_not_found"] = 404, ["notification_not_found"] = 404,
        ["reconciliation_not_found"] = 404, ["row_not_found"] = 404, ["not_sandbox"] = 404,
        ["request_in_progress"] = 409, ["client_id_taken"] = 409, ["code_prefix_overlaps"] = 409, ["code_prefix_exhausted"] = 409,
        ["acquirer_exists"] = 409, ["account_exists"] = 409, ["batch_already_paid"] = 409, ["delivery_in_progress"] = 409,
        ["row_not_resolvable"] = 409, ["row_already_resolved"] = 409, ["payment_exists"] = 409, ["import_in_progress"] = 409,
        ["payload_too_large"] = 413, ["unsupported_media_type"] = 415, ["request_id_reused"] = 422,
        ["too_many_authentication_failures"] = 429, ["rate_limited"] = 429, ["internal_error"] = 500,
        ["database_unavailable"] = 503,
    };

    /// <summary>A signed call (merchant or store): the headers, the caller, the signature, the limits on failures and rate.</summary>
    public static readonly string[] Signature =
    [
        "missing_header", "invalid_request_id", "unknown_client", "invalid_timestamp", "stale_timestamp", "invalid_signature",
        "too_many_authentication_failures", "rate_limited",
    ];

    /// <summary>Reading a JSON body (any audience): content type, size, syntax, duplicate keys, field rules.</summary>
    public static readonly string[] Body = ["unsupported_media_type", "payload_too_large", "malformed_json", "duplicate_json_key", "invalid_field"];

    /// <summary>A merchant's write under a Request-Id: another body under it, or the first still running.</summary>
    public static readonly string[] Idempotent = ["request_id_reused", "request_in_progress"];
}

/// <summary>Puts an <see cref="OperationDoc"/> on the operation the generator built for its route.</summary>
public static class OperationDocs
{
    public static readonly IReadOnlyList<OperationDoc> All = [.. MerchantDocs.Operations, .. StoreDocs.Operations, .. AdminDocs.Operations];

    /// <summary>Values a wire field of an answer takes, by the record that declares it and the field's wire name.</summary>
    public static readonly IReadOnlyDictionary<(Type, string), string[]> Enums =
        new[] { MerchantDocs.Enums, StoreDocs.Enums, AdminDocs.Enums }.SelectMany(e => e).ToDictionary(e => e.Key, e => e.Value);

    private static readonly Dictionary<(string, string), OperationDoc> ByRoute = All.ToDictionary(d => (d.Method, d.Route));

    /// <summary>The doc of a route as the generator names it (no constraints, no catch-all stars, no trailing slash).</summary>
    public static OperationDoc? Find(string method, string? relativePath) =>
        ByRoute.GetValueOrDefault((method.ToUpperInvariant(),
            System.Text.RegularExpressions.Regex.Replace("/" + (relativePath ?? "").Trim('/'), @"\{\**([^}:=?]+)[^}]*\}", "{$1}")));

    /// <summary>An error code's status: the catalogue's, or the one written after it ("payment_code_paid:409").</summary>
    public static (string Code, int Status) StatusOf(string entry) =>
        entry.Split(':') is [var code, var status] ? (code, int.Parse(status, System.Globalization.CultureInfo.InvariantCulture)) : (entry, ErrorCodes.Status[entry]);

    /// <summary>The codes one operation can answer: its own, and its audience's.</summary>
    public static IEnumerable<string> CodesOf(OperationDoc doc, string document)
    {
        var codes = new List<string>(doc.Errors);
        if (doc.Webhook)
        {
            return codes;
        }
        var hasBody = doc.Request is not null;
        if (document == ApiDocuments.Admin)
        {
            codes.Add("invalid_admin_token");
        }
        else if (doc.Signed)
        {
            codes.AddRange(ErrorCodes.Signature.Where(c => doc.Limited || c is not ("too_many_authentication_failures" or "rate_limited")));
            codes.Add(document == ApiDocuments.Store ? "acquirer_disabled" : "merchant_disabled");
        }
        if (hasBody && doc.RequestContentType == "application/json")
        {
            codes.AddRange(ErrorCodes.Body);
        }
        // An unexpected failure, handled once at the edge: safe to retry (with the same Request-Id for a merchant's write);
        // a database that cannot be used now is 503 with Retry-After, as safe to retry.
        codes.Add("internal_error");
        codes.Add("database_unavailable");
        return codes.Distinct();
    }

    public static Task ApplyAsync(OpenApiOperation operation, OperationDoc doc, string document, OpenApiOperationTransformerContext context, CancellationToken ct) =>
        ApplyAsync(operation, doc, document, type => context.GetOrCreateSchemaAsync(type, null, ct));

    /// <summary>The merchant document's webhooks: what the gateway posts to a merchant, and what it expects back.</summary>
    public static async Task AddWebhooksAsync(OpenApiDocument document, IEnumerable<OperationDoc> webhooks, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        foreach (var doc in webhooks)
        {
            var operation = new OpenApiOperation { Summary = doc.Summary };
            await ApplyAsync(operation, doc, context.DocumentName, type => context.GetOrCreateSchemaAsync(type, null, ct));
            document.Webhooks[doc.Route] = new OpenApiPathItem { Operations = new() { [HttpMethod.Post] = operation } };
        }
    }

    private static async Task ApplyAsync(OpenApiOperation operation, OperationDoc doc, string document, Func<Type, Task<OpenApiSchema>> schemaOf)
    {
        if (doc.Description is not null)
        {
            operation.Description = doc.Description;
        }
        if (doc.Request is { } request)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [doc.RequestContentType] = new()
                    {
                        Schema = await schemaOf(request),
                        Examples = ToExamples(doc.RequestExamples),
                    },
                },
            };
        }
        operation.Responses ??= new OpenApiResponses();
        // The generator's guess (a 200 without a body) gives way to what the handler really answers.
        operation.Responses.Remove("200");
        var errors = CodesOf(doc, document).Select(StatusOf).GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Select(c => c.Code).ToList());
        foreach (var status in doc.Answers.Select(a => a.Status).Concat(errors.Keys).Distinct().Order())
        {
            var answers = doc.Answers.Where(a => a.Status == status).ToList();
            var content = new Dictionary<string, OpenApiMediaType>();
            var jsonSchemas = new List<IOpenApiSchema>();
            var examples = new Dictionary<string, IOpenApiExample>();
            foreach (var answer in answers)
            {
                var schema = await schemaOf(answer.Body);
                if (answer.ContentType != "application/json")
                {
                    content[answer.ContentType] = new OpenApiMediaType { Schema = schema, Examples = ToExamples(answer.Examples) };
                    continue;
                }
                jsonSchemas.Add(schema);
                foreach (var (name, example) in ToExamples(answer.Examples) ?? [])
                {
                    examples[name] = example;
                }
            }
            if (errors.TryGetValue(status, out var codes))
            {
                jsonSchemas.Add(ErrorSchema(codes));
                examples[codes[0]] = new OpenApiExample
                {
                    Summary = $"Refused: {codes[0]}",
                    Value = new JsonObject { ["error"] = new JsonObject { ["code"] = codes[0], ["message"] = "(what went wrong, in words)" } },
                };
            }
            if (jsonSchemas.Count > 0)
            {
                content["application/json"] = new OpenApiMediaType
                {
                    Schema = jsonSchemas.Count == 1 ? jsonSchemas[0] : new OpenApiSchema { AnyOf = jsonSchemas },
                    Examples = examples.Count == 0 ? null : examples,
                };
            }
            var description = string.Join("; ", answers.Select(a => a.Description)
                .Concat(codes is null ? [] : [$"Refused with error.code {string.Join(", ", codes)}"]));
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = description,
                Content = content.Count == 0 ? null : content,
            };
        }
    }

    /// <summary>The error body with its code limited to those this operation can answer with this status.</summary>
    private static OpenApiSchema ErrorSchema(IEnumerable<string> codes) => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "error" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["error"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "code", "message" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. codes.Select(c => (JsonNode)JsonValue.Create(c))] },
                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
                    ["field"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The field (or header) that broke a rule" },
                    ["string_to_sign"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Sandbox only: the string the gateway signed, for an invalid_signature" },
                },
            },
        },
    };

    private static Dictionary<string, IOpenApiExample>? ToExamples(IReadOnlyDictionary<string, JsonNode> examples) =>
        examples.Count == 0 ? null : examples.ToDictionary(e => e.Key, e => (IOpenApiExample)new OpenApiExample { Value = e.Value.DeepClone() });
}
