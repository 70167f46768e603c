using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Tunai.Gateway.Configuration;

/// <summary>Checks the options once at start; the gateway refuses to run on a bad configuration.</summary>
public sealed class TunaiOptionsValidator : IValidateOptions<TunaiOptions>
{
    public ValidateOptionsResult Validate(string? name, TunaiOptions options)
    {
        var failures = new List<string>();
        foreach (var (section, value) in new (string, object)[]
                 {
                     ("Tunai:MerchantApi", options.MerchantApi),
                     ("Tunai:PaymentCodes", options.PaymentCodes),
                     ("Tunai:Storage", options.Storage),
                     ("Tunai:Store", options.Store),
                     ("Tunai:Notifications", options.Notifications),
                     ("Tunai:Settlement", options.Settlement),
                     ("Tunai:RateLimits", options.RateLimits),
                 })
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"{section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
            }
        }

        if (options.Mode is null)
        {
            failures.Add($"Tunai:Mode is not set and the gateway listens on {string.Join(", ", options.ListenUrls)}, not on loopback only: " +
                "set Tunai:Mode to Production (or to Sandbox, deliberately)");
        }
        if (!string.IsNullOrEmpty(options.PublicBaseUrl) && !IsHttpUrl(options.PublicBaseUrl))
        {
            failures.Add("Tunai:PublicBaseUrl must be an absolute http(s) URL");
        }
        if (options.Mode == GatewayMode.Production)
        {
            if (string.IsNullOrWhiteSpace(options.AdminToken))
            {
                failures.Add("Tunai:AdminToken (or TUNAI_ADMIN_TOKEN) is required in Production mode");
            }
            else if (!IsStrongAdminToken(options.AdminToken))
            {
                failures.Add($"Tunai:AdminToken must be at least {StrongTokenLength} characters and random in Production mode: " +
                    $"it estimates {Secrets.SecretStrength.EstimatedBits(options.AdminToken):0} bits where {Secrets.SecretStrength.MinimumBits} are needed " +
                    "(no repeated or sequential runs; e.g. openssl rand -base64 33)");
            }
            if (string.IsNullOrWhiteSpace(options.PublicBaseUrl))
            {
                failures.Add("Tunai:PublicBaseUrl is required in Production mode");
            }
            else if (!options.PlainHttpAllowed && !IsHttpsUrl(options.PublicBaseUrl))
            {
                failures.Add("Tunai:PublicBaseUrl must be https in Production mode (Tunai:AllowPlainHttp=true allows http on a private network)");
            }
        }
        if (options.AdminToken is { Length: > 0 and < 16 })
        {
            failures.Add("Tunai:AdminToken must be at least 16 characters");
        }
        // A signed request is accepted for TimestampTolerance either side of the clock, so for up to twice that
        // after it was signed; its Request-Id must be remembered at least that long, or a captured request could
        // be sent again, after its key was swept, while its signature still passes.
        if (options.MerchantApi.IdempotencyRetention < 2 * options.MerchantApi.TimestampTolerance)
        {
            failures.Add($"Tunai:MerchantApi:IdempotencyRetention ({options.MerchantApi.IdempotencyRetention}) must be at least twice " +
                $"Tunai:MerchantApi:TimestampTolerance ({options.MerchantApi.TimestampTolerance}), so a request is never executed again while its signature is still accepted");
        }
        if (options.Storage.Provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(options.Storage.ConnectionString))
        {
            failures.Add("Tunai:Storage:ConnectionString is required when Tunai:Storage:Provider is Postgres");
        }
        if (options.Storage.Provider == StorageProvider.Sqlite && string.IsNullOrWhiteSpace(options.Storage.SqlitePath))
        {
            failures.Add("Tunai:Storage:SqlitePath must not be empty");
        }
        try
        {
            if (options.Notifications.Delays().Any(d => d < TimeSpan.Zero || d > TimeSpan.FromDays(7)))
            {
                failures.Add("Tunai:Notifications:RetrySchedule delays must be between 0 and 7 days");
            }
        }
        catch (FormatException)
        {
            failures.Add("Tunai:Notifications:RetrySchedule must be Default, Provider or a comma-separated list of TimeSpans (e.g. 00:00:05,00:05:00)");
        }
        if (options.Instances.HeartbeatInterval <= TimeSpan.Zero || options.Instances.DeadAfter < options.Instances.HeartbeatInterval * 2)
        {
            failures.Add("Tunai:Instances:HeartbeatInterval must be positive and Tunai:Instances:DeadAfter at least twice as long");
        }
        // A generated code needs room for the prefix, at least 8 random digits and the check digit.
        if (options.PaymentCodes.GeneratedPrefixLength + 9 > options.PaymentCodes.GeneratedLength)
        {
            failures.Add("Tunai:PaymentCodes:GeneratedLength must leave at least 8 random digits after the prefix and before the check digit");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public const int StrongTokenLength = 32;

    /// <summary>
    /// Long, and random by its estimated entropy (<see cref="Secrets.SecretStrength"/>), not by counting different
    /// characters: 32 characters of 10 different ones passed that count while "0123456789" repeated is no secret.
    /// </summary>
    public static bool IsStrongAdminToken(string token) =>
        token.Length >= StrongTokenLength && Secrets.SecretStrength.IsStrong(token);

    public static bool IsHttpsUrl(string value) =>
        IsHttpUrl(value) && new Uri(value).Scheme == Uri.UriSchemeHttps;

    public static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);
}
