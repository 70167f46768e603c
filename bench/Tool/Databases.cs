using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tunai.Bench.Tool;

// A <database> argument is either a SQLite file or, when it contains "Host=", a PostgreSQL connection string.
// The SQL run through these connections is written once for both (@name parameters work in both drivers).
internal static partial class Databases
{
    public static bool IsPostgres(string database) => database.Contains("Host=", StringComparison.OrdinalIgnoreCase);

    public static DbConnection OpenForReading(string database)
    {
        DbConnection connection = IsPostgres(database)
            ? new NpgsqlConnection(database)
            // Read-only and unpooled so the gateway's file is never held open or written by the bench; the
            // timeout is how long a read waits on a lock before it fails.
            : new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=false;Default Timeout=30");
        connection.Open();
        return connection;
    }

    // The id and code prefix of the merchant the codes belong to, or null when there is no such merchant.
    public static (long Id, string Prefix)? FindMerchant(DbConnection connection, string clientId)
    {
        using var find = connection.CreateCommand();
        find.CommandText = "SELECT id, code_prefix FROM merchants WHERE client_id = @c";
        var parameter = find.CreateParameter();
        parameter.ParameterName = "c";
        parameter.Value = clientId;
        find.Parameters.Add(parameter);
        using var reader = find.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    // A fresh database on the server for one bench run; prints its connection string for the gateway and the
    // other subcommands.
    public static int CreatePostgres(string server, string name)
    {
        if (!ValidName().IsMatch(name))
        {
            Console.Error.WriteLine($"pg-create: {name} is not a plain lower-case database name");
            return 2;
        }
        using (var admin = new NpgsqlConnection(Unpooled(server)))
        {
            admin.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            create.ExecuteNonQuery();
        }
        Console.WriteLine(new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString);
        return 0;
    }

    public static int DropPostgres(string server, string name)
    {
        if (!ValidName().IsMatch(name))
        {
            Console.Error.WriteLine($"pg-drop: {name} is not a plain lower-case database name");
            return 2;
        }
        using var admin = new NpgsqlConnection(Unpooled(server));
        admin.Open();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // FORCE ends the sessions of a gateway that did not stop in time.
                using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
                drop.ExecuteNonQuery();
                return 0;
            }
            catch (PostgresException) when (attempt < 5)
            {
                // A server process of another role (autovacuum) may still be attached for a moment.
                Thread.Sleep(200 * attempt);
            }
        }
    }

    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex ValidName();
}
