using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Tunai.Gateway.Storage;

/// <summary>A statement with its values already taken (<see cref="Statement{TArgs}.Bind"/>): a step of <see cref="WriteTogether"/>.</summary>
public sealed record BoundStatement(string Sql, string[] Names, object?[] Values);

/// <summary>
/// Writes that commit together or not at all, each run only when the write it follows (its parent) wrote a row: a
/// request's usual case, whose every value is known before it is written (a code with its fee and its stored answer;
/// a payment with its ledger, notification, store event and stored answer). The first write decides: when it writes
/// nothing (a conditional update that matched no row, an insert that met a conflict), nothing is written and the
/// caller takes its general path. Run by <see cref="Database.TryWriteTogetherAsync"/>: on SQLite one unit of the
/// writer, its values bound straight to kept statements; on PostgreSQL one statement outside any transaction
/// (<see cref="PostgresFusions.Together"/>): one round trip, with no BEGIN and no COMMIT of its own.
/// </summary>
public sealed class WriteTogether
{
    private readonly List<Step> _steps;

    /// <param name="first">A conditional UPDATE, or an INSERT of one row that may insert nothing (ON CONFLICT DO NOTHING).</param>
    public WriteTogether(BoundStatement first) => _steps = [new Step(first, -1, null)];

    /// <summary>
    /// Adds <paramref name="statement"/> as <see cref="Then(int, BoundStatement, string?)"/> does, and keeps its new row's
    /// id for the caller (<see cref="WrittenTogether.Id"/>). Returns the write's index.
    /// </summary>
    public int ThenKeepingId(int parent, BoundStatement statement, string? parentIdAs = null)
    {
        var write = Then(parent, statement, parentIdAs);
        _steps[write].KeepsId = true;
        return write;
    }

    /// <summary>
    /// Adds <paramref name="statement"/>, run only when the write <paramref name="parent"/> (an index this returned, or 0
    /// for the first) wrote its row. It is an <c>INSERT INTO t (columns) VALUES (...)</c> of one or more rows, or an
    /// <c>INSERT ... SELECT ... FROM inserted</c>. It may read the parent's new id as the parameter
    /// <paramref name="parentIdAs"/>, as <c>@inserted_id</c> or as <c>inserted.id</c>. Returns the write's index.
    /// </summary>
    public int Then(int parent, BoundStatement statement, string? parentIdAs = null)
    {
        if (parent < 0 || parent >= _steps.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(parent), parent, "A write follows one added before it");
        }
        // The parent's id is kept for the writes that follow it (an update's is not: they may follow it, not read it).
        _steps[parent].KeepsId = true;
        _steps.Add(new Step(statement, parent, parentIdAs));
        return _steps.Count - 1;
    }

    internal IReadOnlyList<Step> Steps => _steps;

    /// <param name="Statement">The write.</param>
    /// <param name="Parent">The index of the write it follows; -1 for the first.</param>
    /// <param name="ParentIdAs">The parameter that takes the parent's new id, if one does.</param>
    internal sealed record Step(BoundStatement Statement, int Parent, string? ParentIdAs)
    {
        /// <summary>True when its new row's id is read by a write that follows it or by the caller.</summary>
        public bool KeepsId { get; set; }
    }

    /// <summary>True for an INSERT (its new row's id is kept for the writes that follow it).</summary>
    internal static bool IsInsert(string sql) => sql.AsSpan().TrimStart().StartsWith("INSERT", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// What <see cref="Database.TryWriteTogetherAsync"/> wrote: for each write, null when it wrote nothing, otherwise its new
/// row's id where it was kept (<see cref="WriteTogether.ThenKeepingId"/>, or a write others follow), 0 where not (and for an update).
/// </summary>
public sealed class WrittenTogether(long?[] ids)
{
    public long? Id(int write) => ids[write];
}

internal static partial class PostgresFusions
{
    private static readonly ConcurrentDictionary<string, string> TogetherTexts = new(StringComparer.Ordinal);

    /// <summary>
    /// The writes as one statement: each a data-modifying WITH query <c>s0</c>, <c>s1</c>..., each but the first reading
    /// its parent's query (so it writes nothing when that wrote nothing, and reads the parent's new id from it); each
    /// statement's parameters renamed apart (<c>@x</c> of the third becomes <c>@t2_x</c>). It returns one row: each
    /// write's new id (0 for an update), or NULL where it wrote nothing. Made once per shape.
    /// </summary>
    public static string Together(WriteTogether writes)
    {
        var steps = writes.Steps;
        var key = new StringBuilder();
        foreach (var step in steps)
        {
            key.Append(step.Parent).Append('\u0001').Append(step.ParentIdAs).Append('\u0001').Append(step.Statement.Sql).Append('\u0002');
        }
        return TogetherTexts.GetOrAdd(key.ToString(), _ =>
        {
            var text = new StringBuilder("WITH ");
            var columns = new List<string>();
            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                var sql = step.Parent < 0 ? step.Statement.Sql : FromParent(step, $"s{step.Parent}");
                sql = Renamed(sql, i);
                var returns = Returning().IsMatch(sql);
                if (!returns)
                {
                    sql += step.KeepsId && WriteTogether.IsInsert(sql) ? "\nRETURNING id" : "\nRETURNING 0 AS id";
                }
                text.Append(CultureInfo.InvariantCulture, $"s{i} AS (\n{sql}\n)").Append(i < steps.Count - 1 ? ",\n" : "\n");
                columns.Add(returns
                    ? string.Create(CultureInfo.InvariantCulture, $"(SELECT 0 WHERE EXISTS (SELECT 1 FROM s{i})) AS s{i}")
                    : string.Create(CultureInfo.InvariantCulture, $"(SELECT max(id) FROM s{i}) AS s{i}"));
            }
            text.Append("SELECT ").AppendJoin(", ", columns);
            return text.ToString();
        });
    }

    /// <summary>The values of the writes, named as <see cref="Together"/> renamed them.</summary>
    public static Dapper.DynamicParameters TogetherParameters(WriteTogether writes)
    {
        var parameters = new Dapper.DynamicParameters();
        for (var i = 0; i < writes.Steps.Count; i++)
        {
            var (_, names, values) = writes.Steps[i].Statement;
            var prefix = string.Create(CultureInfo.InvariantCulture, $"t{i}_");
            for (var v = 0; v < names.Length; v++)
            {
                if (!string.Equals(names[v], writes.Steps[i].ParentIdAs, StringComparison.Ordinal))
                {
                    parameters.Add(prefix + names[v], values[v]);
                }
            }
        }
        return parameters;
    }

    /// <summary>A following write's text reading its parent's query <paramref name="parent"/>: the parent's id wherever the text names it, and the parent as its source of rows.</summary>
    private static string FromParent(WriteTogether.Step step, string parent)
    {
        var sql = step.Statement.Sql;
        if (step.ParentIdAs is { } name)
        {
            sql = Regex.Replace(sql, "@" + Regex.Escape(name) + @"\b", parent + ".id");
        }
        sql = InsertedId().Replace(sql, parent + ".id");
        sql = InsertedName().Replace(sql, parent);
        var values = InsertRows().Match(sql);
        if (values.Success)
        {
            // INSERT ... VALUES (...), (...): the rows made once for each row of the parent's (one, or none).
            return $"{values.Groups["into"].Value}\nSELECT v.* FROM {parent} CROSS JOIN LATERAL (VALUES {values.Groups["rows"].Value}) AS v";
        }
        if (!Regex.IsMatch(sql, $@"\b{parent}\b"))
        {
            throw new ArgumentException($"A write that follows another must read it (VALUES, or FROM inserted): {step.Statement.Sql}");
        }
        return sql;
    }

    [GeneratedRegex(@"\bRETURNING\b", RegexOptions.IgnoreCase)]
    private static partial Regex Returning();

    [GeneratedRegex(@"\binserted\b")]
    private static partial Regex InsertedName();

    [GeneratedRegex(@"^\s*(?<into>INSERT\s+INTO\s+\w+\s*\([^)]*\))\s*VALUES\s*(?<rows>\(.*\))\s*$", RegexOptions.Singleline)]
    private static partial Regex InsertRows();
}
