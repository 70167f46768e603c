using Microsoft.Extensions.Options;

namespace Tunai.Gateway.Startup;

/// <summary>A start that cannot succeed, with the one line that says why and what to fix (after "tunai: ").</summary>
public sealed class StartupException(string message) : Exception(message);

/// <summary>
/// What a failed start prints: one line on stderr naming the setting to fix, and the exit code (1, or 2 for a
/// command line that cannot be read). Never a stack trace: whoever reads it is starting a service, not debugging one.
/// </summary>
public static class StartupFailure
{
    public const int Failed = 1;
    public const int Usage = 2;

    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>
    /// Set while the host starts: the host logs its own failure to start (Kestrel's port in use, say) as an error with
    /// the whole stack trace, before the exception reaches the one line said here. That entry is left out.
    /// </summary>
    private static volatile bool _hostStarting;

    public static bool HostStarting { get => _hostStarting; set => _hostStarting = value; }

    public static WebApplicationBuilder SayStartFailuresOnce(this WebApplicationBuilder builder)
    {
        // A filter of the host's category alone. A filter for every category would be the rule that applies to all of
        // them in place of Logging:LogLevel:Default, with no level of its own: it let every debug entry through (one
        // per request). This one keeps the shipped floor, Information, for the host's few entries.
        builder.Logging.AddFilter(HostCategory, level => level >= LogLevel.Information && !(HostStarting && level == LogLevel.Error));
        return builder;
    }

    public static (string Line, int ExitCode) Describe(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException ?? (e as AggregateException)?.InnerExceptions.FirstOrDefault())
        {
            if (Known(e) is { } known)
            {
                return known;
            }
        }
        var message = failure.Message.Split('\n')[0].Trim();
        return ($"tunai: could not start ({failure.GetType().Name}): {message}", Failed);
    }

    private static (string, int)? Known(Exception e) => e switch
    {
        StartupException s => ($"tunai: {s.Message}", Failed),
        MigrationChangedException m => ($"tunai: database error: {m.Message}", Failed),
        OptionsValidationException v => ($"tunai: configuration error: {string.Join("; ", v.Failures)}", Failed),
        InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" } => ($"tunai: configuration error: {e.Message}", Failed),
        FormatException { Source: "Microsoft.Extensions.Configuration.CommandLine" } => ($"tunai: usage error: {e.Message}", Usage),
        _ when DatabaseFailure.Describe(e) is { } line => (line, Failed),
        IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } =>
            ($"tunai: {e.Message.TrimEnd('.')}; stop what listens there or give another address with --urls (or ASPNETCORE_URLS, Kestrel:Endpoints)", Failed),
        _ => null,
    };
}
