using System.Text.Json.Nodes;
using Tunai.Signing;

namespace Tunai.Gateway.Snap;

/// <summary>The SNAP services Tunai serves, by their two-digit service code (the middle of a responseCode).</summary>
public static class SnapService
{
    public const string Status = "26";
    public const string Create = "27";
    public const string Update = "28";
    public const string Delete = "31";
    public const string Token = "73";
}

/// <summary>
/// A SNAP answer: a JSON object whose <c>responseCode</c> (always a string) is HTTP status + service code + case
/// code, sent with the HTTP status its first three digits say. Written as <c>JSON.stringify</c> writes it
/// (<see cref="SnapJson"/>), so clients that re-serialise what they read get the same bytes.
/// </summary>
public sealed class SnapResult : IResult, IStatusCodeHttpResult
{
    private SnapResult(string responseCode, byte[] body)
    {
        ResponseCode = responseCode;
        Body = body;
        StatusCode = int.Parse(responseCode.AsSpan(0, 3), CultureInfo.InvariantCulture);
    }

    public string ResponseCode { get; }

    public byte[] Body { get; }

    public int StatusCode { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    /// <summary>True for an authentication refusal (401): counted against the caller's failure budget.</summary>
    public bool IsAuthenticationFailure => StatusCode == StatusCodes.Status401Unauthorized;

    /// <summary>An answer: <c>responseCode</c> and <c>responseMessage</c> first, then <paramref name="fields"/>.</summary>
    public static SnapResult Of(string responseCode, string responseMessage, JsonObject? fields = null)
    {
        var body = new JsonObject { ["responseCode"] = responseCode, ["responseMessage"] = responseMessage };
        if (fields is not null)
        {
            foreach (var (name, value) in fields.ToList())
            {
                fields.Remove(name);
                body[name] = value;
            }
        }
        return new SnapResult(responseCode, Bytes(body));
    }

    public static SnapResult Success(string service, JsonObject? fields = null) => Of($"200{service}00", "Successful", fields);

    /// <summary>400xx01: a field (or header) present but malformed.</summary>
    public static SnapResult InvalidFormat(string service, string field, string? why = null) =>
        Of($"400{service}01", $"Invalid Field Format {field}" + (why is null ? "" : $": {why}"));

    /// <summary>400xx02: a mandatory field (or header) missing.</summary>
    public static SnapResult Missing(string service, string field) => Of($"400{service}02", $"Invalid Mandatory Field {field}");

    public static SnapResult BadRequest(string service, string why) => Of($"400{service}00", $"Bad Request. {why}");

    /// <summary>401xx00, in the sandbox with the string Tunai signed (never a key) to compare with the caller's.</summary>
    public static SnapResult Unauthorized(string service, string reason, string? stringToSign = null, string? hint = null)
    {
        JsonObject? extra = null;
        if (stringToSign is not null)
        {
            extra = new JsonObject { ["stringToSign"] = stringToSign };
            if (hint is not null)
            {
                extra["hint"] = hint;
            }
        }
        return Of($"401{service}00", $"Unauthorized. {reason}", extra);
    }

    public static SnapResult InvalidToken(string service) => Of($"401{service}01", "Invalid Token (B2B)");

    /// <summary>The JSON bytes Tunai writes for a SNAP object.</summary>
    public static byte[] Bytes(JsonNode node) => SnapJson.WriteBytes(node);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        JsonBytesResult.StartJson(httpContext.Response, StatusCode, Body.Length);
        await httpContext.Response.Body.WriteAsync(Body, httpContext.RequestAborted);
    }
}
