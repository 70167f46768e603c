using System.Text.Json.Serialization;

namespace Tunai.Gateway.Api;

/// <summary>
/// An expected refusal: written as <c>{"error": {"code", "message", "field"?}}</c> with its HTTP status,
/// and signed like any other response when the caller is a known merchant.
/// </summary>
public sealed record ApiError(int Status, string Code, string Message, string? Field = null, string? StringToSign = null) : IResult
{
    public static ApiError Validation(string field, string message) => new(StatusCodes.Status400BadRequest, "invalid_field", message, field);

    public static ApiError NotFound(string code, string message) => new(StatusCodes.Status404NotFound, code, message);

    public static ApiError Conflict(string code, string message) => new(StatusCodes.Status409Conflict, code, message);

    public static ApiError Unauthorized(string code, string message, string? field = null) =>
        new(StatusCodes.Status401Unauthorized, code, message, field);

    public byte[] ToJson() => WireJson.Serialize(new ErrorBody(new ErrorDetail(Code, Message, Field, StringToSign)));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.RequestServices.GetService<Telemetry.GatewayTelemetry>()?.Refused(Code);
        return new JsonBytesResult(Status, ToJson()).ExecuteAsync(httpContext);
    }
}

public sealed record ErrorBody(ErrorDetail Error);

public sealed record ErrorDetail(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? StringToSign);
