using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Tunai.Gateway.Storage;

/// <summary>
/// PostgreSQL's one-statement forms of <see cref="WriteUnit"/>'s two-step writes: the one place where a write runs as
/// other SQL than its feature declared. PostgreSQL runs data-modifying statements inside WITH, so two steps that
/// SQLite's writer runs one after the other (where a statement costs no round trip) reach the server as one
/// statement, and a request waits on it once instead of twice. Each form is made from the two statements' own
/// texts, once per pair; a name both statements use must stand for the same value.
/// </summary>
internal static partial class PostgresFusions
{
    private static readonly ConcurrentDictionary<(object First, object Second, string Form), object> Made = new();

    /// <summary>
    /// <paramref name="change"/> (an UPDATE, no RETURNING) and, only if it changed a row, <paramref name="insert"/>
    /// (<c>INSERT INTO t (columns) VALUES (values)</c>): returns the inserted row's id, or no row.
    /// </summary>
    public static Statement<TArgs> InsertIfChanged<TArgs>(Statement<TArgs> change, Statement<TArgs> insert) =>
        Make(change, insert, nameof(InsertIfChanged), () =>
        {
            var parts = InsertValues().Match(insert.Sql);
            if (!parts.Success)
            {
                throw new ArgumentException($"Expected INSERT INTO t (columns) VALUES (values): {insert.Sql}", nameof(insert));
            }
            return $"""
                WITH changed AS ({change.Sql}
                RETURNING 1)
                {parts.Groups["into"].Value} SELECT {parts.Groups["values"].Value} FROM changed
                RETURNING id
                """;
        });

    /// <summary>
    /// <paramref name="insert"/> (which may insert nothing) and <paramref name="then"/> (which reads the new row's id from
    /// <c>inserted(id)</c>, so that it runs for no row when nothing was inserted, and returns rows): one row of the new id as <c>inserted_id</c> and <paramref name="then"/>'s
    /// columns (NULL when it returned none), or no row when nothing was inserted.
    /// </summary>
    public static Statement<TArgs> TryInsertThenRead<TArgs>(Statement<TArgs> insert, Statement<TArgs> then) =>
        Make(insert, then, nameof(TryInsertThenRead), () =>
            $"""
            WITH inserted AS ({insert.Sql}
            RETURNING id),
            follow AS ({FromInserted(then.Sql)})
            SELECT inserted.id AS {Statement<TArgs>.InsertedId}, follow.* FROM inserted LEFT JOIN follow ON true
            """);

    /// <summary>
    /// <paramref name="insert"/> and <paramref name="then"/> (which reads the new row's id as <c>@inserted_id</c> or from
    /// <c>inserted(id)</c>): the rows changed are <paramref name="then"/>'s, and a NULL id fails a line that needs one.
    /// </summary>
    public static Statement<TArgs> InsertThen<TArgs>(Statement<TArgs> insert, Statement<TArgs> then) =>
        Make(insert, then, nameof(InsertThen), () =>
            $"""
            WITH inserted AS ({insert.Sql}
            RETURNING id)
            {FromInserted(then.Sql)}
            """);

    /// <summary>The text with the first step's id, <c>@inserted_id</c>, read from the relation <c>inserted</c> made of that step.</summary>
    private static string FromInserted(string sql) => InsertedId().Replace(sql, "(SELECT id FROM inserted)");

    private static Statement<TArgs> Make<TArgs>(Statement<TArgs> first, Statement<TArgs> second, string form, Func<string> sql) =>
        (Statement<TArgs>)Made.GetOrAdd((first, second, form), _ =>
            new Statement<TArgs>(sql(), [.. first.Parameters, .. second.Parameters.Where(p => !first.Names.Contains(p.Name, StringComparer.Ordinal))]));

    /// <summary>The text with its parameters renamed for place <paramref name="place"/> of a command (@x becomes @t2_x).</summary>
    internal static string Renamed(string sql, int place) => RenamedTexts.GetOrAdd((sql, place), static key =>
    {
        var prefix = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"@t{key.Place}_");
        return Parameter().Replace(key.Sql, m => prefix + m.Groups[1].Value);
    });

    private static readonly ConcurrentDictionary<(string Sql, int Place), string> RenamedTexts = new();

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"@inserted_id\b")]
    private static partial Regex InsertedId();

    [GeneratedRegex(@"^\s*(?<into>INSERT\s+INTO\s+\w+\s*\([^)]*\))\s*VALUES\s*\((?<values>.*)\)\s*$", RegexOptions.Singleline)]
    private static partial Regex InsertValues();
}
