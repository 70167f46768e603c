using System.ComponentModel.DataAnnotations;

namespace Tunai.Gateway.Configuration;

public enum GatewayMode
{
    Sandbox,
    Production,
}

public enum StorageProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Everything under the <c>Tunai</c> configuration section, with its defaults.</summary>
public sealed class TunaiOptions
{
    public const string Section = "Tunai";

    public GatewayMode Mode { get; set; } = GatewayMode.Sandbox;

    /// <summary>Bearer token of the admin API. Also read from TUNAI_ADMIN_TOKEN.</summary>
    public string? AdminToken { get; set; }

    /// <summary>Base of the how-to-pay URLs handed to merchants; when empty (sandbox only) the request's own host is used.</summary>
    public string? PublicBaseUrl { get; set; }

    public StorageOptions Storage { get; set; } = new();

    public MerchantApiOptions MerchantApi { get; set; } = new();

    public PaymentCodeOptions PaymentCodes { get; set; } = new();

    public StoreOptions Store { get; set; } = new();

    public bool IsSandbox => Mode == GatewayMode.Sandbox;
}

public sealed class StorageOptions
{
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>The SQLite database file; its folder is created when missing.</summary>
    public string SqlitePath { get; set; } = Path.Combine("data", "tunai.db");

    /// <summary>Connection string for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }
}

public sealed class MerchantApiOptions
{
    /// <summary>How far Request-Timestamp may be from the gateway's clock, either way.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a Request-Id and its response are kept for replay.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a request may hold its Request-Id before a crashed holder is presumed dead.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan InFlightLease { get; set; } = TimeSpan.FromSeconds(60);

    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}

public sealed class PaymentCodeOptions
{
    /// <summary>Length of gateway-generated codes: prefix, random digits, one check digit.</summary>
    [Range(10, 20)]
    public int GeneratedLength { get; set; } = 16;

    [Range(1, 99999)]
    public int DefaultExpiredMinutes { get; set; } = 60;

    /// <summary>Length of a prefix the gateway picks for a merchant created without one.</summary>
    [Range(3, 8)]
    public int GeneratedPrefixLength { get; set; } = 5;
}

public sealed class StoreOptions
{
    /// <summary>How long after a payment the store may reverse it (the till failed to finish the sale).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReversalWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long the gateway waits for a merchant's direct-inquiry answer; the customer is waiting.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan DirectInquiryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a merchant's direct-inquiry answer can be paid before the store must inquire again.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan DirectInquiryValidity { get; set; } = TimeSpan.FromMinutes(15);
}
