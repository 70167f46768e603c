namespace Tunai.Gateway.Api;

/// <summary>
/// A NUL character (<c>%00</c>) in a request's path, query or form fields is refused with a 400 before any endpoint
/// runs. No value of Tunai's holds one, and the database cannot store or compare text that does (see
/// <see cref="Database"/>): a search box, a filter or a form field carrying it reached the database and came back a
/// 500. JSON bodies are read by <see cref="FieldReader"/>, which refuses control characters field by field.
/// </summary>
public static class NulRefusal
{
    public static IApplicationBuilder UseNulRefusal(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            var request = http.Request;
            var refusal = HasNul(request.Path.Value) ? "The request's path must not contain a NUL character (%00)"
                : request.Query.Any(q => HasNul(q.Key) || q.Value.Any(HasNul)) ? "The request's query must not contain a NUL character (%00)"
                : request.HasFormContentType ? await FormRefusalAsync(http)
                : null;
            if (refusal is not null)
            {
                await new ApiError(StatusCodes.Status400BadRequest, "invalid_request", refusal).ExecuteAsync(http);
                return;
            }
            await next(http);
        });

    private static bool HasNul(string? value) => value is not null && value.Contains('\0', StringComparison.Ordinal);

    private static async Task<string?> FormRefusalAsync(HttpContext http)
    {
        try
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return form.Any(f => HasNul(f.Key) || f.Value.Any(HasNul)) ? "The request's form must not contain a NUL character (%00)" : null;
        }
        catch (InvalidDataException e)
        {
            // ASP.NET Core's form reader refuses a %00 (and a form over its limits) itself, with an exception that
            // would otherwise be a 500.
            return $"The request's form could not be read: {e.Message}";
        }
    }
}
