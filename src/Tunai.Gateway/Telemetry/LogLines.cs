using Microsoft.Extensions.Options;

namespace Tunai.Gateway.Telemetry;

/// <summary>
/// One log entry is one line, whatever a caller put in it. A path may hold CR/LF (<c>/a%0D%0Aforged</c>) and a
/// Client-Id header an ESC sequence; written as they are, the console (and a file or journal fed from it) shows a
/// forged entry or a terminal that obeys the escape. Every logger of the gateway comes from this factory, so every
/// message, in every sink, is escaped here once: control characters become <c>\r</c>, <c>\n</c>, <c>\t</c> or
/// <c>\u001B</c>, and the direction controls of <see cref="Api.TextRules"/> their <c>\u</c> form. Structured values
/// in a JSON sink are escaped by JSON already; the text of the message is what a person reads, and is what this
/// guards.
/// </summary>
public static class LogLines
{
    public static IServiceCollection AddLogLineEscaping(this IServiceCollection services)
    {
        // Built as AddLogging builds it, then wrapped; every ILogger<T> is made by the registered factory.
        services.AddSingleton<ILoggerFactory>(sp => new LogLineFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(), sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(), sp.GetService<IExternalScopeProvider>())));
        return services;
    }

    public static string Escape(string text)
    {
        if (Api.TextRules.FirstRefused(text) < 0)
        {
            return text;
        }
        var escaped = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                _ when Api.TextRules.IsRefused(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }
}

/// <summary>The gateway's logger factory: the framework's own, each message escaped by <see cref="LogLines.Escape"/>.</summary>
public sealed class LogLineFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new EscapingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class EscapingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, (s, e) => LogLines.Escape(formatter(s, e)));
    }
}
