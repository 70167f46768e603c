using Microsoft.Extensions.Options;

namespace Tunai.Merchant;

/// <summary>Where the gateway is and who the merchant is; bound from configuration or set in code.</summary>
public sealed class TunaiMerchantOptions
{
    /// <summary>The gateway's base URL, e.g. <c>http://127.0.0.1:5080</c> (a path prefix is kept).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The merchant's Client-Id.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The merchant's secret key: signs requests, and checks what the gateway signs.</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>
    /// During a rotation of the secret key, the key being replaced: what the gateway signs (notifications, direct
    /// inquiries) verifies with it too, as the gateway keeps signing with it until it is told the merchant checks with the
    /// new one (<c>POST /admin/v1/merchants/{client_id}/secret-keys/sign-with-new</c>) or it expires. Set the new key as
    /// <c>SecretKey</c> and the old one here, deploy, tell the gateway, then remove this. Not for a key that leaked: what is
    /// signed with it verifies for as long as it is set here. Never used to sign.
    /// </summary>
    public string? PreviousSecretKey { get; set; }

    /// <summary>Path of the generate call; the provider's plugins use this one, the reference names <c>/alfa-virtual-account/v2/payment-code</c>.</summary>
    public string CreatePath { get; set; } = "/alfa-online-to-offline/v2/payment-code";

    /// <summary>How far a received Request-Timestamp (notification, direct inquiry) may be from this machine's clock.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries of a call after the first attempt (transient failure, 5xx, 429, 409 request_in_progress).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Delay before the first retry; it doubles with each retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Checks <see cref="TunaiMerchantOptions"/> when the host starts, so a missing key fails fast.</summary>
public sealed class TunaiMerchantOptionsValidator : IValidateOptions<TunaiMerchantOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TunaiMerchantOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, "Tunai", options.BaseUrl, options.ClientId, options.SecretKey, options.TimestampTolerance, options.MaxRetries, options.RetryBaseDelay);
        if (!options.CreatePath.StartsWith('/'))
        {
            failures.Add("Tunai CreatePath must start with '/'");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What every client's options need, named after <paramref name="label"/> (Tunai, Tunai SNAP).</summary>
    internal static void Check(List<string> failures, string label, string baseUrl, string clientId, string secretKey,
        TimeSpan timestampTolerance, int maxRetries, TimeSpan retryBaseDelay)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{label} BaseUrl must be an absolute http(s) URL, e.g. http://127.0.0.1:5080");
        }
        if (string.IsNullOrWhiteSpace(clientId))
        {
            failures.Add($"{label} ClientId is required");
        }
        if (string.IsNullOrWhiteSpace(secretKey))
        {
            failures.Add($"{label} SecretKey is required");
        }
        if (timestampTolerance <= TimeSpan.Zero)
        {
            failures.Add($"{label} TimestampTolerance must be positive");
        }
        if (maxRetries is < 1 or > 10)
        {
            failures.Add($"{label} MaxRetries must be between 1 and 10");
        }
        if (retryBaseDelay <= TimeSpan.Zero || retryBaseDelay > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{label} RetryBaseDelay must be greater than 0 and at most 30 seconds");
        }
    }
}
