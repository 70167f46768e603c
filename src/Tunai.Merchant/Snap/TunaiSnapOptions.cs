using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Tunai.Merchant.Snap;

/// <summary>
/// A merchant speaking SNAP to the gateway: who it is, its keys and where the gateway is. Bound from configuration
/// or set in code; keys are PEM text or a file holding it (the sandbox writes <c>TUNAI_SNAP_PRIVATE_KEY_FILE</c> and
/// <c>TUNAI_SNAP_GATEWAY_PUBLIC_KEY_FILE</c> into <c>data/sandbox.env</c>).
/// </summary>
public sealed class TunaiSnapOptions
{
    /// <summary>The gateway's base URL, e.g. <c>http://127.0.0.1:5080</c>. A path prefix is sent but not signed (SNAP signs the service path).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The merchant's Client-Id (X-CLIENT-KEY and X-PARTNER-ID).</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The merchant's secret key: the HMAC-SHA512 key of every transaction, both ways.</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>
    /// During a rotation of the secret key, the key being replaced: what the gateway signs (notifications, direct
    /// inquiries) verifies with it too, as the gateway keeps signing with it until it is told the merchant checks with the
    /// new one (<c>POST /admin/v1/merchants/{client_id}/secret-keys/sign-with-new</c>) or it expires. Set the new key as
    /// <c>SecretKey</c> and the old one here, deploy, tell the gateway, then remove this. Not for a key that leaked: what is
    /// signed with it verifies for as long as it is set here. A Bearer token issued under it is still accepted; new ones are issued under <c>SecretKey</c>. Never used to sign.
    /// </summary>
    public string? PreviousSecretKey { get; set; }

    /// <summary>The merchant's code prefix; sent as <c>partnerServiceId</c>, left-padded with spaces to 8 characters.</summary>
    public string PartnerServiceId { get; set; } = "";

    /// <summary>The merchant's RSA private key (PEM): signs the B2B token request. Or <see cref="PrivateKeyFile"/>.</summary>
    public string? PrivateKey { get; set; }

    /// <summary>A file holding <see cref="PrivateKey"/>.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>The gateway's RSA public key (PEM, <c>GET /snap/public-key</c>): checks the gateway's token requests. Or <see cref="GatewayPublicKeyFile"/>.</summary>
    public string? GatewayPublicKey { get; set; }

    /// <summary>A file holding <see cref="GatewayPublicKey"/>.</summary>
    public string? GatewayPublicKeyFile { get; set; }

    /// <summary>The CHANNEL-ID header sent with every transaction (any value is accepted).</summary>
    public string ChannelId { get; set; } = "TUNAI-NET";

    /// <summary>The store channel of new virtual accounts (<c>additionalInfo.channel</c>).</summary>
    public string Channel { get; set; } = "ALFAMART";

    /// <summary>How long before its <c>expiresIn</c> a token is replaced (at most half its lifetime).</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a token this merchant issues to the gateway lives (<c>expiresIn</c>).</summary>
    public TimeSpan IssuedTokenLifetime { get; set; } = TimeSpan.FromSeconds(900);

    /// <summary>How far a received X-TIMESTAMP may be from this machine's clock.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries of a call after the first attempt (transient failure, 5xx, 408, 429).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Delay before the first retry; it doubles with each retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><see cref="PartnerServiceId"/> as SNAP sends it: left-padded with spaces to 8 characters.</summary>
    internal string PaddedPartnerServiceId => PartnerServiceId.Trim().PadLeft(8);

    /// <summary>The private key's PEM, from the option or its file.</summary>
    internal string PrivateKeyPem() => Pem(PrivateKey, PrivateKeyFile)
        ?? throw new InvalidOperationException("Tunai SNAP PrivateKey (or PrivateKeyFile) is required to obtain a token");

    /// <summary>The gateway public key's PEM, from the option or its file.</summary>
    internal string GatewayPublicKeyPem() => Pem(GatewayPublicKey, GatewayPublicKeyFile)
        ?? throw new InvalidOperationException("Tunai SNAP GatewayPublicKey (or GatewayPublicKeyFile) is required to check the gateway's token requests");

    internal bool HasGatewayPublicKey => Pem(GatewayPublicKey, GatewayPublicKeyFile) is not null;

    private static string? Pem(string? text, string? file) =>
        !string.IsNullOrWhiteSpace(text) ? text : !string.IsNullOrWhiteSpace(file) ? File.ReadAllText(file) : null;

    /// <summary>An RSA key imported from <paramref name="pem"/>; a new one each time (an RSA instance is not shared across threads).</summary>
    internal static RSA Import(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }
}

/// <summary>Checks <see cref="TunaiSnapOptions"/> when the host starts: a missing or unreadable key fails fast.</summary>
public sealed class TunaiSnapOptionsValidator : IValidateOptions<TunaiSnapOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TunaiSnapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        TunaiMerchantOptionsValidator.Check(failures, "Tunai SNAP", options.BaseUrl, options.ClientId, options.SecretKey,
            options.TimestampTolerance, options.MaxRetries, options.RetryBaseDelay);
        var prefix = options.PartnerServiceId.Trim();
        if (prefix.Length is 0 or > 8 || !prefix.All(char.IsAsciiDigit))
        {
            failures.Add("Tunai SNAP PartnerServiceId must be the merchant's code prefix (1 to 8 digits)");
        }
        CheckKey(failures, "PrivateKey", options.PrivateKeyPem, required: true, mustBePrivate: true);
        if (options.HasGatewayPublicKey)
        {
            CheckKey(failures, "GatewayPublicKey", options.GatewayPublicKeyPem, required: false, mustBePrivate: false);
        }
        if (options.TokenRefreshMargin < TimeSpan.Zero)
        {
            failures.Add("Tunai SNAP TokenRefreshMargin must not be negative");
        }
        if (options.IssuedTokenLifetime < TimeSpan.FromSeconds(60) || options.IssuedTokenLifetime > TimeSpan.FromDays(1))
        {
            failures.Add("Tunai SNAP IssuedTokenLifetime must be between 60 seconds and a day");
        }
        if (string.IsNullOrWhiteSpace(options.ChannelId) || string.IsNullOrWhiteSpace(options.Channel))
        {
            failures.Add("Tunai SNAP ChannelId and Channel must not be empty");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckKey(List<string> failures, string name, Func<string> pem, bool required, bool mustBePrivate)
    {
        try
        {
            using var rsa = TunaiSnapOptions.Import(pem());
            if (rsa.KeySize < 2048)
            {
                failures.Add($"Tunai SNAP {name} must be an RSA key of at least 2048 bits");
            }
            if (mustBePrivate)
            {
                // Exporting the private parameters fails for a public key.
                rsa.ExportParameters(includePrivateParameters: true);
            }
        }
        catch (InvalidOperationException e) when (required)
        {
            failures.Add(e.Message);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            failures.Add($"Tunai SNAP {name} is not a readable RSA {(mustBePrivate ? "private" : "public")} key in PEM: {e.Message}");
        }
    }
}
