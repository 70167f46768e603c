namespace Tunai.Gateway.Api;

/// <summary>Reads a JSON request body as raw bytes (the signature covers them) with a size cap.</summary>
public static class RequestBody
{
    public static bool HasJsonContentType(HttpRequest request) =>
        request.ContentType is { } type
        && (type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || type.Contains("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>The body, or the refusal: 415 for a non-JSON content type, 413 over the cap.</summary>
    public static async Task<(byte[]? Body, ApiError? Error)> ReadAsync(HttpRequest request, int maxBytes)
    {
        if (!HasJsonContentType(request))
        {
            return (null, new ApiError(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "Content-Type must be application/json"));
        }
        var tooLarge = new ApiError(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
            $"The body must be at most {maxBytes} bytes");
        if (request.ContentLength > maxBytes)
        {
            return (null, tooLarge);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, tooLarge);
            }
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), null);
    }

    /// <summary>Reads and parses a JSON object body (admin API: no signature to check first).</summary>
    public static async Task<(JsonDocument? Document, ApiError? Error)> ReadObjectAsync(HttpRequest request, int maxBytes)
    {
        var (body, error) = await ReadAsync(request, maxBytes);
        if (error is not null)
        {
            return (null, error);
        }
        error = ParseObject(body!, out var document);
        return (document, error);
    }

    /// <summary>
    /// The admin API's way in: the JSON object body (refused as <see cref="ReadObjectAsync"/> refuses), its fields
    /// handed to <paramref name="handle"/>, which answers while the document is still open.
    /// </summary>
    public static async Task<IResult> WithFieldsAsync(HttpContext http, TunaiOptions options, Func<FieldReader, Task<IResult>> handle)
    {
        var (document, error) = await ReadObjectAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            return await handle(new FieldReader(document!.RootElement));
        }
    }

    /// <summary>
    /// The merchant API's way in for a command: the signed body as a JSON object read by <paramref name="parse"/> (a
    /// refusal answers at once), and the command handed to <paramref name="handle"/>, which answers while the document
    /// is still open: a command may hold its elements (a create's additional_info, echoed in the answer).
    /// </summary>
    public static async Task<IResult> WithCommandAsync<T>(byte[] body, Func<JsonElement, (T? Command, ApiError? Error)> parse,
        Func<T, Task<IResult>> handle) where T : class
    {
        if (ParseObject(body, out var document) is { } malformed)
        {
            return malformed;
        }
        using (document)
        {
            var (command, error) = parse(document!.RootElement);
            if (error is not null)
            {
                return error;
            }
            return await handle(command!);
        }
    }

    /// <summary>
    /// The one way a request body is read as JSON. Strict (RFC 8259: no comments, no single quotes, no NaN) with one
    /// leniency and one refusal beyond the parser's defaults:
    /// a trailing comma is accepted, because the reference's own MGPC sample has one and clients copy it;
    /// a key given twice is refused, because readers disagree about which one wins (a proxy, a WAF or the
    /// merchant's own log may read <c>"amount": 1</c> where Tunai would read the second <c>"amount"</c>).
    /// </summary>
    public static readonly JsonDocumentOptions JsonOptions = new()
    {
        MaxDepth = 32,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>Parses the body as a JSON object; anything else is a 400 that says what is wrong.</summary>
    public static ApiError? ParseObject(byte[] body, out JsonDocument? document)
    {
        document = null;
        try
        {
            document = JsonDocument.Parse(body, JsonOptions);
        }
        catch (JsonException e) when (e.GetType() == typeof(JsonException))
        {
            // Syntax errors come as the parser's own subclass; a plain JsonException is the duplicate-key check.
            return new ApiError(StatusCodes.Status400BadRequest, "duplicate_json_key",
                $"The body gives a key twice, which readers resolve differently: {e.Message.Split(" Path:")[0]}");
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check compares unescaped names, and throws this on a name holding a lone surrogate.
            return LoneSurrogate();
        }
        catch (JsonException e)
        {
            return new ApiError(StatusCodes.Status400BadRequest, "malformed_json",
                $"The body is not valid JSON: {e.Message.Split(" Path:")[0]}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            document = null;
            return new ApiError(StatusCodes.Status400BadRequest, "malformed_json", "The body must be a JSON object");
        }
        if (!HasValidStrings(document.RootElement))
        {
            document.Dispose();
            document = null;
            return LoneSurrogate();
        }
        return null;
    }

    /// <summary>
    /// Parses the body as a JSON object and reads it with <paramref name="read"/>, for a request read into values that
    /// keep nothing of the document (it is closed on return): the request, or the first refusal.
    /// </summary>
    public static (T? Value, ApiError? Error) ParseWith<T>(byte[] body, Func<JsonElement, (T? Value, ApiError? Error)> read) where T : class
    {
        if (ParseObject(body, out var document) is { } malformed)
        {
            return (null, malformed);
        }
        using (document)
        {
            return read(document!.RootElement);
        }
    }

    private static ApiError LoneSurrogate() => new(StatusCodes.Status400BadRequest, "malformed_json",
        "The body is not valid JSON: a string holds a \\u escape of an unpaired surrogate (\\ud800-\\udfff)");

    /// <summary>
    /// The parser lets a lone surrogate escape such as "\ud800" through and only throws when that string or
    /// property name is read, so a field read later would fail as a 500. Every string is read once here instead.
    /// </summary>
    private static bool HasValidStrings(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name; // throws on an unpaired surrogate
                        if (!HasValidStrings(property.Value))
                        {
                            return false;
                        }
                    }
                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!HasValidStrings(item))
                        {
                            return false;
                        }
                    }
                    return true;
                case JsonValueKind.String:
                    return element.GetString() is not null;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
