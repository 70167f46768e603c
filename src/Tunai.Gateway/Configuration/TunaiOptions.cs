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

    /// <summary>
    /// Sandbox or Production. Unset, the gateway runs as a sandbox only when it listens on loopback addresses only,
    /// and otherwise refuses to start: a forgotten setting must not put a sandbox (printed secrets, strings to sign
    /// in errors, private networks allowed) on a public address.
    /// </summary>
    public GatewayMode? Mode { get; set; }

    /// <summary>Where the gateway listens, as the start-up check of an unset <see cref="Mode"/> saw it (not configuration).</summary>
    internal IReadOnlyList<string> ListenUrls { get; set; } = [];

    /// <summary>Bearer token of the admin API. Also read from TUNAI_ADMIN_TOKEN.</summary>
    public string? AdminToken { get; set; }

    /// <summary>Base of the how-to-pay URLs handed to merchants; when empty (sandbox only) the request's own host is used.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>
    /// Sandbox only: print the sandbox credentials at start. They are in data/sandbox.env either way; turned off
    /// where standard output is collected as a log (and by the test suite, whose gateways would fill CI's output).
    /// </summary>
    public bool PrintSandboxCredentials { get; set; } = true;

    /// <summary>
    /// Production only: allow http:// for PublicBaseUrl and merchants' notification and inquiry URLs, for a gateway
    /// and merchants on one private network. Off by default: signatures protect integrity, not confidentiality, and
    /// a notification or how-to-pay link in clear text can be read and replayed by anyone on the path.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    public StorageOptions Storage { get; set; } = new();

    public MerchantApiOptions MerchantApi { get; set; } = new();

    public PaymentCodeOptions PaymentCodes { get; set; } = new();

    public StoreOptions Store { get; set; } = new();

    public NotificationOptions Notifications { get; set; } = new();

    public OutboundOptions Outbound { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();

    public InstanceOptions Instances { get; set; } = new();

    public Settlement.SettlementOptions Settlement { get; set; } = new();

    public bool IsSandbox => Mode == GatewayMode.Sandbox;

    /// <summary>Whether a URL Tunai gives out or calls may be plain http (sandbox, or production on a private network).</summary>
    public bool PlainHttpAllowed => IsSandbox || AllowPlainHttp;
}

public sealed class StorageOptions
{
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>The SQLite database file; its folder is created when missing.</summary>
    public string SqlitePath { get; set; } = Path.Combine("data", "tunai.db");

    /// <summary>Connection string for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The gateway's own folder for files beside its data (the sandbox's master key and sandbox.env, a key ring of older
    /// versions): the SQLite file's folder, or <c>data/</c> under the working folder with PostgreSQL. The one place that
    /// says so.
    /// </summary>
    public string DataFolder => Provider == StorageProvider.Postgres
        ? Path.GetFullPath("data")
        : Path.GetDirectoryName(Path.GetFullPath(SqlitePath is { Length: > 0 } path ? path : new StorageOptions().SqlitePath))!;
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

public sealed class NotificationOptions
{
    /// <summary>
    /// Delays between attempts after the first, immediate one: <c>Default</c> (5 s, 5 min, 30 min, 2 h, 5 h,
    /// 10 h, 10 h), <c>Provider</c> (the provider's own: 30 min, 6 h, 12 h), or a comma-separated list of
    /// TimeSpans. Each delay gets ±20 % jitter.
    /// </summary>
    public string RetrySchedule { get; set; } = "Default";

    /// <summary>An attempt succeeds on any 2xx within this time.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    [Range(1, 1024)]
    public int MaxConcurrentDeliveries { get; set; } = 64;

    /// <summary>At most this many deliveries to one merchant at once, so a slow endpoint cannot take every slot.</summary>
    [Range(1, 256)]
    public int MaxConcurrentPerMerchant { get; set; } = 8;

    /// <summary>How often the outbox is read when nothing wakes the worker (new rows from this instance do).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IReadOnlyList<TimeSpan> Delays() => RetrySchedule.Trim() switch
    {
        "Default" => [TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
            TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)],
        "Provider" => [TimeSpan.FromMinutes(30), TimeSpan.FromHours(6), TimeSpan.FromHours(12)],
        var list => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => TimeSpan.Parse(d, System.Globalization.CultureInfo.InvariantCulture)).ToList(),
    };
}

public sealed class OutboundOptions
{
    /// <summary>
    /// Whether notification and inquiry URLs may reach loopback, private, link-local and other non-public
    /// addresses. Unset: allowed in sandbox mode, refused in production.
    /// </summary>
    public bool? AllowPrivateNetworks { get; set; }
}

public sealed class InstanceOptions
{
    /// <summary>How often an instance renews its heartbeat and looks for dead instances.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// An instance whose heartbeat is older than this is dead and its leases are taken over. Three intervals: one
    /// missed heartbeat (a long pause, a slow database) is not death.
    /// </summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(6);
}

public sealed class RateLimitOptions
{
    /// <summary>Failed authentications (bad signature, unknown Client-Id, wrong admin or how-to-pay token) per minute from one address.</summary>
    [Range(1, 1_000_000)]
    public int AuthenticationFailuresPerMinutePerAddress { get; set; } = 60;

    /// <summary>Failed authentications per minute naming one Client-Id, from any address.</summary>
    [Range(1, 1_000_000)]
    public int AuthenticationFailuresPerMinutePerClientId { get; set; } = 30;

    /// <summary>
    /// Back-office sign-in attempts per minute from one address, right or wrong (a burst of a minute's worth): checked
    /// before any password is hashed.
    /// </summary>
    [Range(1, 1_000_000)]
    public int SignInAttemptsPerMinutePerAddress { get; set; } = 10;

    /// <summary>Requests per second one merchant may send to the merchant API (a burst of one second's worth).</summary>
    [Range(1, 1_000_000)]
    public int MerchantRequestsPerSecond { get; set; } = 500;

    /// <summary>
    /// Requests per second one acquirer connection may send (inquiries, payments, reversals). Generous: a POS network's
    /// peak comes through one connection.
    /// </summary>
    [Range(1, 1_000_000)]
    public int StoreRequestsPerSecond { get; set; } = 5000;
}
