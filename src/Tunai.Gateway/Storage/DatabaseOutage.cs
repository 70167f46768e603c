using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tunai.Gateway.Storage;

/// <summary>
/// Failures that say the database cannot be used right now, whatever the request: PostgreSQL stopped, restarting,
/// unreachable or out of connections, a statement timed out; a SQLite file on a full disk, read-only or failing to
/// be read. They are answered 503 with <c>Retry-After</c> (see <c>Api/UnexpectedErrors</c>), where any other failure
/// is a 500. A unit of work is one transaction, so such a failure leaves nothing of it behind: either it committed
/// whole (and a retry with the same Request-Id or trx_id replays its answer) or nothing of it was kept.
/// </summary>
public static class DatabaseOutage
{
    /// <summary>What <c>Retry-After</c> says: the gateway serves again within seconds of its database's return.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>Why the database cannot be used, in words for the caller, or null when <paramref name="failure"/> is no outage.</summary>
    public static string? Reason(Exception failure)
    {
        foreach (var e in Chain(failure))
        {
            var reason = e switch
            {
                SqliteException { SqliteErrorCode: 13 } => "its disk is full",
                SqliteException { SqliteErrorCode: 8 } => "its database file is read-only",
                SqliteException { SqliteErrorCode: 10 } => "its database file could not be read or written (I/O error)",
                SqliteException { SqliteErrorCode: 14 } => "its database file cannot be opened",
                SqliteException { SqliteErrorCode: 5 or 6 } => "its database file is busy",
                PostgresException p when IsServerUnavailable(p.SqlState) => "its database server is unavailable",
                NpgsqlException { IsTransient: true } and not PostgresException => "it cannot reach its database server",
                _ => null,
            };
            if (reason is not null)
            {
                return "The gateway cannot store or read data now: " + reason;
            }
        }
        return null;
    }

    /// <summary>
    /// True when the failure was a wait that ran out (a connection, a statement): running the work again would
    /// wait as long once more, so it is answered at once instead of retried.
    /// </summary>
    public static bool IsTimeout(Exception failure) => Chain(failure).Any(e => e is TimeoutException
        || e is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled });

    /// <summary>
    /// True when the failure lost a connection to PostgreSQL (the server stopped, crashed or was failed over): the
    /// other connections in the pool went with it and must not be handed to the next request.
    /// </summary>
    public static bool LostConnection(Exception failure) => Chain(failure).Any(e => e switch
    {
        PostgresException p => p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException { IsTransient: true } => true,
        _ => false,
    });

    /// <summary>
    /// Connection exceptions (08), operator intervention (57: shut down, crashed, starting, a statement cancelled by
    /// its timeout), insufficient resources (53: disk full, too many connections), system errors (58), and a
    /// read-only transaction (25006: a standby answering after a failover).
    /// </summary>
    private static bool IsServerUnavailable(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("57", StringComparison.Ordinal)
        || state.StartsWith("53", StringComparison.Ordinal) || state.StartsWith("58", StringComparison.Ordinal)
        || state == PostgresErrorCodes.ReadOnlySqlTransaction;

    private static IEnumerable<Exception> Chain(Exception failure)
    {
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
