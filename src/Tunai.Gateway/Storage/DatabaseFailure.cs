using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tunai.Gateway.Storage;

/// <summary>
/// The one line a start prints for a failure of the database (after "tunai: "), naming the setting to fix: a login
/// PostgreSQL refused, a server it cannot reach, a connection string it cannot read, an SQLite file it cannot open.
/// </summary>
public static class DatabaseFailure
{
    /// <summary>The line for <paramref name="e"/>, or null when it is no failure of the database.</summary>
    public static string? Describe(Exception e) => e switch
    {
        PostgresException p => Postgres(p),
        NpgsqlException n when n.InnerException is SocketException or TimeoutException || n.Message.StartsWith("Failed to connect", StringComparison.Ordinal) =>
            $"tunai: database error: cannot reach PostgreSQL ({Flatten(n)}); check Host and Port in Tunai:Storage:ConnectionString " +
                "and that the server is running",
        ArgumentException { Source: "Npgsql" } => $"tunai: configuration error: Tunai:Storage:ConnectionString: {e.Message}",
        SqliteException s => $"tunai: database error: SQLite: {s.Message}; check Tunai:Storage:SqlitePath and its folder's permissions",
        _ => null,
    };

    private static string Postgres(PostgresException p) => p.SqlState switch
    {
        PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
            $"tunai: database error: PostgreSQL refused the login: {p.MessageText}; fix Username and Password in Tunai:Storage:ConnectionString",
        PostgresErrorCodes.InvalidCatalogName =>
            $"tunai: database error: {p.MessageText}; create it (createdb) or fix Database in Tunai:Storage:ConnectionString",
        _ => $"tunai: database error: PostgreSQL: {p.MessageText} ({p.SqlState}); check Tunai:Storage:ConnectionString",
    };

    private static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (Exception? at = e; at is not null; at = at.InnerException)
        {
            parts.Add(at.Message.Split('\n')[0].Trim().TrimEnd('.'));
        }
        return string.Join(": ", parts.Distinct());
    }
}
