using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Tunai.Gateway.OpenApi;

/// <summary>
/// A field's rule as <see cref="Api.FieldReader"/> enforces it, put on a documented wire type's property so that its
/// schema says what the gateway accepts: the reader is lenient (numbers as numeric strings, flags as "true" or 1),
/// which a C# type alone cannot say.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public abstract class WireFieldAttribute : Attribute
{
    public abstract void Describe(OpenApiSchema schema, bool required);
}

/// <summary><see cref="Api.FieldReader.Text"/>: a string of at most <c>max</c> characters, no control, invisible or direction characters (<see cref="Api.TextRules"/>); empty or blank counts as absent.</summary>
public sealed class TextAttribute(int max) : WireFieldAttribute
{
    /// <summary>A pattern the handler checks beyond the length (digits only, an id's alphabet).</summary>
    public string? Pattern { get; init; }

    /// <summary>The values the handler takes (compared as <see cref="IgnoreCase"/> says).</summary>
    public string[]? OneOf { get; init; }

    public bool IgnoreCase { get; init; }

    public string? Format { get; init; }

    public override void Describe(OpenApiSchema schema, bool required)
    {
        schema.Type = required ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
        schema.MaxLength = max;
        schema.Format = Format;
        // Blank is absent for the reader, so a required text needs one non-blank character.
        schema.Pattern = Pattern ?? (required ? @"\S" : null);
        if (OneOf is not null)
        {
            schema.Pattern = IgnoreCase ? $"^({string.Join('|', OneOf.Select(WireSchema.AnyCase))})$" : null;
            if (!IgnoreCase)
            {
                schema.Enum = [.. OneOf.Select(v => (JsonNode)JsonValue.Create(v)), .. required ? Array.Empty<JsonNode>() : [null!]];
            }
        }
    }
}

/// <summary><see cref="Api.FieldReader.Digits"/>: a whole number as a JSON number or a string of digits (surrounding blanks trimmed).</summary>
public sealed class DigitsAttribute(int maxDigits) : WireFieldAttribute
{
    public long Min { get; init; }

    public override void Describe(OpenApiSchema schema, bool required)
    {
        schema.Type = JsonSchemaType.Integer | JsonSchemaType.String | (required ? 0 : JsonSchemaType.Null);
        schema.Format = null;
        schema.Minimum = Min.ToString(CultureInfo.InvariantCulture);
        schema.Maximum = (Math.Pow(10, maxDigits) - 1).ToString("F0", CultureInfo.InvariantCulture);
        // The string form: at most maxDigits digits, and not all zeros when the minimum is 1.
        schema.Pattern = Min >= 1
            ? $@"^\s*(?=[0-9]{{1,{maxDigits}}}\s*$)0*[1-9][0-9]*\s*$"
            : $@"^\s*[0-9]{{1,{maxDigits}}}\s*$";
    }
}

/// <summary><see cref="Api.FieldReader.Number"/>: a decimal as a JSON number or a string, at most <c>maxDecimals</c> digits after the point.</summary>
public sealed class DecimalAttribute(string max, int maxDecimals) : WireFieldAttribute
{
    public override void Describe(OpenApiSchema schema, bool required)
    {
        schema.Type = JsonSchemaType.Number | JsonSchemaType.String | (required ? 0 : JsonSchemaType.Null);
        schema.Format = null;
        schema.Minimum = "0";
        schema.Maximum = max;
        schema.Pattern = $@"^\s*[0-9]+(\.[0-9]{{0,{maxDecimals}}}0*)?\s*$";
    }
}

/// <summary><see cref="Api.FieldReader.Flag"/>: true or false, also as "true"/"false" (any case) and 1/0 or "1"/"0".</summary>
public sealed class FlagAttribute : WireFieldAttribute
{
    public override void Describe(OpenApiSchema schema, bool required)
    {
        schema.Type = null;
        schema.AnyOf =
        [
            new OpenApiSchema { Type = JsonSchemaType.Boolean },
            new OpenApiSchema { Type = JsonSchemaType.Integer, Enum = [0, 1] },
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = $@"^\s*({WireSchema.AnyCase("true")}|{WireSchema.AnyCase("false")}|0|1)\s*$" },
            .. required ? Array.Empty<IOpenApiSchema>() : [new OpenApiSchema { Type = JsonSchemaType.Null }],
        ];
    }
}

/// <summary>The schemas of documented wire types: named as the wire names them, with what is required and what a field accepts.</summary>
public static class WireSchema
{
    /// <summary>
    /// The documents' schemas come from ASP.NET Core's JSON options, which nothing else in the gateway uses (every body
    /// goes through <see cref="Api.WireJson"/>): they are set to WireJson's naming, so a schema's names are the wire's.
    /// </summary>
    public static IServiceCollection UseWireNamesInSchemas(this IServiceCollection services) =>
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });

    /// <summary>
    /// An object's required properties are its non-nullable ones: WireJson leaves out only nulls, so an answer always
    /// holds them, and a request type declares a field nullable exactly when the handler lets it be absent.
    /// </summary>
    public static Task Transform(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken _)
    {
        var type = context.JsonTypeInfo;
        if (type.Kind == JsonTypeInfoKind.Object && type.Type.Namespace?.StartsWith("Tunai.", StringComparison.Ordinal) == true)
        {
            // The exporter calls every constructor parameter required; a nullable one may be left out (or be null).
            schema.Required = new HashSet<string>(type.Properties.Where(IsRequired).Select(p => p.Name), StringComparer.Ordinal);
        }
        if (context.JsonPropertyInfo is not { } property)
        {
            return Task.CompletedTask;
        }
        var required = IsRequired(property);
        if (property.AttributeProvider?.GetCustomAttributes(typeof(WireFieldAttribute), true).FirstOrDefault() is WireFieldAttribute field)
        {
            field.Describe(schema, required);
        }
        else if (property.PropertyType == typeof(JsonElement) || property.PropertyType == typeof(JsonElement?))
        {
            // Stored and echoed verbatim: an object (additional_info, insurance_info).
            schema.Type = required ? JsonSchemaType.Object : JsonSchemaType.Object | JsonSchemaType.Null;
        }
        else if (property.DeclaringType is { } owner && OperationDocs.Enums.TryGetValue((owner, property.Name), out var values))
        {
            schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v)), .. required ? Array.Empty<JsonNode>() : [null!]];
            if (!required)
            {
                schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
            }
        }
        else if (!required && schema.Type is { } kind && (kind & JsonSchemaType.Null) == 0)
        {
            // A field the reader lets be absent it also takes as null.
            schema.Type = kind | JsonSchemaType.Null;
        }
        return Task.CompletedTask;
    }

    /// <summary>A word in any case as a plain pattern ([Tt][Rr][Uu][Ee]): validators read patterns as ECMAScript, without inline flags.</summary>
    public static string AnyCase(string word) =>
        string.Concat(word.Select(c => char.IsLetter(c) ? $"[{char.ToUpperInvariant(c)}{char.ToLowerInvariant(c)}]" : c.ToString()));

    private static bool IsRequired(JsonPropertyInfo property) =>
        !property.IsGetNullable && Nullable.GetUnderlyingType(property.PropertyType) is null;
}
