using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Tunai.Gateway.Storage;

/// <summary>
/// One SQL statement, declared once where its feature keeps its SQL: its text, and its parameters in order, each
/// named as the text spells it (after '@') with how its value is taken from the statement's argument. The text is
/// the same on both databases; how it runs is the unit of work's business (<see cref="WriteUnit"/>): on SQLite's
/// writer the values are bound straight to a kept compiled statement, elsewhere they travel as Dapper's named
/// parameters. The names are checked against the text once, when the statement is declared: a parameter of the
/// text with no value, or a value the text never uses, is refused then.
/// </summary>
public sealed partial class Statement<TArgs>
{
    private readonly Func<TArgs, object?>[] _values;

    public Statement(string sql, params (string Name, Func<TArgs, object?> Value)[] parameters)
    {
        Sql = sql;
        Parameters = parameters;
        Names = [.. parameters.Select(p => p.Name)];
        _values = [.. parameters.Select(p => p.Value)];
        Check(sql, Names);
    }

    public string Sql { get; }

    /// <summary>The parameters as declared, for a statement made of this one and another (see <see cref="PostgresFusions"/>).</summary>
    internal (string Name, Func<TArgs, object?> Value)[] Parameters { get; }

    /// <summary>The text returning the new row's id, for a one-row INSERT where the id is not SQLite's rowid.</summary>
    internal string ReturningId => _returningId ??= Sql + "\nRETURNING id";

    private string? _returningId;

    /// <summary>The parameters' names, in the order of <see cref="Values"/>.</summary>
    internal string[] Names { get; }

    /// <summary>The values of <paramref name="args"/>, in the order of <see cref="Names"/>.</summary>
    internal object?[] Values(TArgs args)
    {
        var values = new object?[_values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = _values[i](args);
        }
        return values;
    }

    /// <summary>
    /// This statement as the second of <see cref="WriteUnit"/>'s two-step writes on SQLite's writer, where the first
    /// step's new id is bound as <c>@inserted_id</c> (<see cref="ValuesAfter"/>), and, if the text reads it from the
    /// one-row relation <c>inserted(id)</c>, that relation is made of it.
    /// </summary>
    internal (string Sql, string[] Names) AfterInserted => _afterInserted ??= Statement.AfterInserted(Sql, Names);

    private (string, string[])? _afterInserted;

    /// <summary>The name of the parameter that holds the first step's new id in a two-step write (see <see cref="AfterInserted"/>).</summary>
    internal const string InsertedId = Statement.InsertedId;

    /// <summary>This statement with the values of <paramref name="args"/> taken now: a step of <see cref="WriteTogether"/>.</summary>
    public BoundStatement Bind(TArgs args) => new(Sql, Names, Values(args));

    /// <summary>The values of <paramref name="args"/> after the new row's <paramref name="id"/>, for <see cref="AfterInserted"/>.</summary>
    internal object?[] ValuesAfter(long id, TArgs args)
    {
        var values = new object?[_values.Length + 1];
        values[0] = id;
        for (var i = 0; i < _values.Length; i++)
        {
            values[i + 1] = _values[i](args);
        }
        return values;
    }

    private static void Check(string sql, string[] names)
    {
        var used = Parameter().Matches(sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var declared = names.ToHashSet(StringComparer.Ordinal);
        if (declared.Count != names.Length)
        {
            throw new ArgumentException($"A parameter is declared twice: {string.Join(", ", names)}", nameof(names));
        }
        used.Remove(InsertedId); // given by the unit for a statement about the row just inserted
        if (!used.SetEquals(declared))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The SQL's parameters ({string.Join(", ", used.Order(StringComparer.Ordinal))}) are not those declared ({string.Join(", ", names)}): {sql}"),
                nameof(names));
        }
    }

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex Parameter();
}

/// <summary>What statements of any argument share.</summary>
internal static partial class Statement
{
    /// <summary>The name of the parameter that holds the first step's new id in a two-step write.</summary>
    internal const string InsertedId = "inserted_id";

    private static readonly ConcurrentDictionary<string, (string, string[])> AfterInsertedTexts = new(StringComparer.Ordinal);

    /// <summary>
    /// A statement as the second of a two-step write on SQLite's writer, where the first step's new id is bound as
    /// <c>@inserted_id</c> (the first value), and, if the text reads it from the one-row relation <c>inserted(id)</c>,
    /// that relation is made of it.
    /// </summary>
    internal static (string Sql, string[] Names) AfterInserted(string sql, string[] names) =>
        AfterInsertedTexts.GetOrAdd(sql, static (s, n) => (
            InsertedRelation().IsMatch(s) ? $"WITH inserted(id) AS (SELECT @{InsertedId})\n{s}" : s,
            [InsertedId, .. n]), names);

    /// <summary>True when the text reads the new id of the write before it (<c>@inserted_id</c>, or the relation <c>inserted</c>).</summary>
    internal static bool ReadsInserted(string sql) => ReadsInsertedTexts.GetOrAdd(sql, static s => InsertedRelation().IsMatch(s) || s.Contains("@" + InsertedId, StringComparison.Ordinal));

    private static readonly ConcurrentDictionary<string, bool> ReadsInsertedTexts = new(StringComparer.Ordinal);

    [GeneratedRegex(@"\binserted\b(?!_)")]
    private static partial Regex InsertedRelation();
}

/// <summary>
/// A statement that returns rows (a SELECT, or a write with RETURNING), with how its argument is bound and how a row
/// is read: by column name, never by place, so a column added or moved in the text cannot shift the others' values.
/// </summary>
public sealed class Query<TArgs, TRow>(Statement<TArgs> statement, Func<Row, TRow> read)
    where TRow : class
{
    public Query(string sql, Func<Row, TRow> read, params (string Name, Func<TArgs, object?> Value)[] parameters)
        : this(new Statement<TArgs>(sql, parameters), read)
    {
    }

    public Statement<TArgs> Statement { get; } = statement;

    public Func<Row, TRow> Read { get; } = read;
}

/// <summary>
/// One row as a statement returned it, its values found by column name. Integers are <see cref="long"/> whatever width
/// the database gave them; a NULL is null.
/// </summary>
public sealed class Row
{
    private readonly string[] _columns;
    private readonly object?[] _values;
    private int _next;

    internal Row(string[] columns, object?[] values)
    {
        _columns = columns;
        _values = values;
    }

    /// <summary>The first row of the reader's current result, or null when it has none; the rest of that result is read past.</summary>
    internal static async Task<Row?> FirstAsync(System.Data.Common.DbDataReader reader, CancellationToken ct)
    {
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        var columns = new string[reader.FieldCount];
        var values = new object?[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = reader.GetName(i);
            values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        }
        while (await reader.ReadAsync(ct))
        {
            // the first row is the one asked for
        }
        return new Row(columns, values);
    }

    /// <summary>The column's value; a column the row lacks is an error, not a null.</summary>
    public object? this[string column] => _values[Ordinal(column)];

    public long Long(string column) => LongOrNull(column) ?? throw new InvalidOperationException($"Column {column} is NULL");

    public long? LongOrNull(string column) => this[column] switch
    {
        null => null,
        long l => l,
        int i => i,
        short s => s,
        bool b => b ? 1 : 0,
        var other => Convert.ToInt64(other, CultureInfo.InvariantCulture),
    };

    public bool Bool(string column) => Long(column) != 0;

    public string Text(string column) => TextOrNull(column) ?? throw new InvalidOperationException($"Column {column} is NULL");

    public string? TextOrNull(string column) => (string?)this[column];

    public byte[]? BlobOrNull(string column) => (byte[]?)this[column];

    /// <summary>True when every column but <paramref name="except"/> is NULL (an outer join that found nothing).</summary>
    internal bool NullExcept(string except)
    {
        for (var i = 0; i < _columns.Length; i++)
        {
            if (_values[i] is not null && !string.Equals(_columns[i], except, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The column's place. Rows are usually read in their columns' order, so the search starts after the column found
    /// last: reading a row in order costs one comparison a column.
    /// </summary>
    private int Ordinal(string column)
    {
        for (var n = 0; n < _columns.Length; n++)
        {
            var i = (_next + n) % _columns.Length;
            if (string.Equals(_columns[i], column, StringComparison.Ordinal))
            {
                _next = i + 1;
                return i;
            }
        }
        throw new InvalidOperationException($"The row has no column {column} (it has {string.Join(", ", _columns)})");
    }
}
