using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Tunai.Gateway.Tests.PaymentCodes;

/// <summary>
/// A JSON value written by hand rather than by a serializer, so a test can send what no serializer would:
/// numbers beyond any .NET type, lone surrogates as escapes, duplicate keys.
/// </summary>
public abstract record Json
{
    public abstract void WriteTo(StringBuilder sb);

    public sealed override string ToString()
    {
        var sb = new StringBuilder();
        WriteTo(sb);
        return sb.ToString();
    }
}

/// <summary>A number, true, false or null, written exactly as given.</summary>
public sealed record JsonLiteral(string Text) : Json
{
    public override void WriteTo(StringBuilder sb) => sb.Append(Text);
}

/// <summary>A string. Characters that cannot go raw (controls, quote, backslash, lone surrogates) are escaped; with
/// <see cref="EscapeAll"/> every character is written as \uXXXX.</summary>
public sealed record JsonString(string Value, bool EscapeAll = false) : Json
{
    public override void WriteTo(StringBuilder sb) => Write(sb, Value, EscapeAll);

    public static void Write(StringBuilder sb, string value, bool escapeAll = false)
    {
        sb.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var pairedSurrogate = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
            if (pairedSurrogate && !escapeAll)
            {
                sb.Append(c).Append(value[++i]);
            }
            else if (escapeAll || c < 0x20 || c == '"' || c == '\\' || char.IsSurrogate(c))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                sb.Append(c);
            }
        }
        sb.Append('"');
    }
}

public sealed record JsonList(IReadOnlyList<Json> Items) : Json
{
    public override void WriteTo(StringBuilder sb)
    {
        sb.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            Items[i].WriteTo(sb);
        }
        sb.Append(']');
    }
}

/// <summary>An object as an ordered list of members, so a key may appear twice.</summary>
public sealed record JsonMap(IReadOnlyList<KeyValuePair<string, Json>> Members) : Json
{
    public static JsonMap Of(params (string Key, Json Value)[] members) =>
        new(members.Select(m => KeyValuePair.Create(m.Key, m.Value)).ToList());

    public override void WriteTo(StringBuilder sb)
    {
        sb.Append('{');
        for (var i = 0; i < Members.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            JsonString.Write(sb, Members[i].Key);
            sb.Append(':');
            Members[i].Value.WriteTo(sb);
        }
        sb.Append('}');
    }

    /// <summary>Every member path, parents before children.</summary>
    public IEnumerable<string[]> Paths()
    {
        foreach (var (key, value) in Members)
        {
            yield return [key];
            if (value is JsonMap child)
            {
                foreach (var path in child.Paths())
                {
                    yield return [key, .. path];
                }
            }
        }
    }

    /// <summary>Paths of this object and of every object below it (the empty path is this object).</summary>
    public IEnumerable<string[]> ObjectPaths() =>
        new[] { Array.Empty<string>() }.Concat(Paths().Where(p => Get(p) is JsonMap));

    public Json? Get(string[] path)
    {
        Json? current = this;
        foreach (var key in path)
        {
            current = current is JsonMap o ? o.Members.LastOrDefault(m => m.Key == key).Value : null;
        }
        return current;
    }

    /// <summary>Rewrites the member at <paramref name="path"/>: <paramref name="change"/> gets its key and value and
    /// returns the members that take its place (none to drop it). Missing parents are created.</summary>
    public JsonMap Edit(string[] path, Func<string, Json?, IEnumerable<KeyValuePair<string, Json>>> change)
    {
        var key = path[0];
        var index = Members.ToList().FindLastIndex(m => m.Key == key);
        var members = Members.ToList();
        if (path.Length == 1)
        {
            var replacement = change(key, index < 0 ? null : members[index].Value).ToList();
            if (index < 0)
            {
                members.AddRange(replacement);
            }
            else
            {
                members.RemoveAt(index);
                members.InsertRange(index, replacement);
            }
            return new JsonMap(members);
        }
        var child = index >= 0 && members[index].Value is JsonMap o ? o : new JsonMap([]);
        var edited = KeyValuePair.Create(key, (Json)child.Edit(path[1..], change));
        if (index < 0)
        {
            members.Add(edited);
        }
        else
        {
            members[index] = edited;
        }
        return new JsonMap(members);
    }

    public JsonMap Set(string[] path, Json value) => Edit(path, (key, _) => [KeyValuePair.Create(key, value)]);

    public JsonMap Remove(string[] path) => Edit(path, (_, _) => []);

    public JsonMap Rename(string[] path, string newKey) =>
        Edit(path, (_, value) => value is null ? [] : [KeyValuePair.Create(newKey, value)]);

    /// <summary>Adds a member at the end of the object at <paramref name="objectPath"/>, even when the key exists.</summary>
    public JsonMap Add(string[] objectPath, string key, Json value) =>
        objectPath.Length == 0
            ? new JsonMap([.. Members, KeyValuePair.Create(key, value)])
            : Edit(objectPath, (k, existing) =>
                [KeyValuePair.Create(k, (Json)((existing as JsonMap ?? new JsonMap([])).Add([], key, value)))]);
}

/// <summary>FsCheck generators of JSON that a merchant's client might send by mistake, or an attacker on purpose.</summary>
public static class JsonGen
{
    /// <summary>Field names of the payment-code API, so random objects hit the parser's real paths often.</summary>
    private static readonly string[] KnownKeys =
    [
        "order", "invoice_number", "amount", "online_to_offline_info", "payment_code", "expired_time", "reusable_status",
        "info", "info1", "info2", "info3", "status", "customer", "name", "email", "alfa_info", "receipt", "footer_message",
        "additional_info", "account", "id", "settlement", "bank_account_settlement_id", "value", "type",
        "insurance_info", "override_notification_url", "integration",
    ];

    public static Gen<string> Digits(int minLength, int maxLength) =>
        from length in Gen.Choose(minLength, maxLength)
        from digits in Gen.ArrayOf(Gen.Choose(0, 9), length)
        select string.Concat(digits);

    public static Gen<Json> Number { get; } = Gen.OneOf(
        Gen.Choose(-1000, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture)),
        from sign in Gen.Elements("", "-")
        from head in Gen.Choose(1, 9)
        from tail in Digits(0, 40)
        select $"{sign}{head}{tail}",
        from sign in Gen.Elements("", "-")
        from whole in Gen.Choose(0, 999999)
        from fraction in Digits(1, 20)
        select $"{sign}{whole}.{fraction}",
        from mantissa in Gen.Elements("1", "-1", "1.5", "9.99", "0")
        from e in Gen.Elements("e", "E", "e+", "e-", "E-")
        from exponent in Gen.Choose(0, 400)
        select $"{mantissa}{e}{exponent}",
        Gen.Elements("0", "-0", "0.0", "1.0", "150000.00", "150000.5", "99999", "100000", "999999999999", "1000000000000",
            "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
            "18446744073709551616", "1e308", "1e309", "-1e309", "5e-324", "1e-400",
            // decimal's edges: the largest parses, and a second such value overflowed a sum into a 500.
            "79228162514264337593543950335", "79228162514264337593543950336", "-79228162514264337593543950335",
            "7922816251426433759354395033.5", "0.0000000000000000000000000001", "0.00000000000000000000000000001"))
        .Select(text => (Json)new JsonLiteral(text));

    private static Gen<string> Character { get; } = Gen.Frequency(
        (10, Gen.Choose(0x20, 0x7e).Select(c => ((char)c).ToString())),
        (2, Gen.Choose(0x00, 0x1f).Select(c => ((char)c).ToString())),
        (1, Gen.Elements("\u007f", "\u0085", "\u009f", "\u2028", "\u2029", "\ufeff", "\u200b", "\ufffd", "\"", "\\", "/")),
        (3, Gen.Choose(0xa0, 0xd7ff).Select(c => ((char)c).ToString())),
        (1, Gen.Choose(0xe000, 0xfffd).Select(c => ((char)c).ToString())),
        (2, Gen.Choose(0x1f300, 0x1faff).Select(char.ConvertFromUtf32)),
        // A lone surrogate can only travel as a \u escape; a strict reader must refuse it, not fail on it.
        (1, Gen.Choose(0xd800, 0xdfff).Select(c => ((char)c).ToString())));

    public static Gen<string> Text { get; } = Gen.Frequency(
        (6, Gen.Sized(size => from length in Gen.Choose(0, Math.Max(1, size))
                              from parts in Gen.ArrayOf(Character, length)
                              select string.Concat(parts))),
        (2, Gen.Elements("", " ", "  \t", "150000", " 150000 ", "+150000", "-1", "0", "1e3", "0x10", "true", "false", "null",
            "TRUE", "ACTIVE", "active", "DELETE", "NaN", "Infinity", "anton@example.com", "a@b", "@", "<script>", "' OR 1=1 --")),
        (1, from c in Gen.Elements("a", "é", "中", "😀", "0") from n in Gen.Choose(0, 200) select string.Concat(Enumerable.Repeat(c, n))));

    public static Gen<Json> String { get; } =
        from text in Text
        from escapeAll in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
        select (Json)new JsonString(text, escapeAll);

    public static Gen<Json> Leaf { get; } = Gen.Frequency(
        (3, Number),
        (4, String),
        (1, Gen.Elements<Json>(new JsonLiteral("true"), new JsonLiteral("false"), new JsonLiteral("null"))));

    public static Gen<string> Key { get; } = Gen.Frequency((3, Gen.Elements(KnownKeys)), (1, Text));

    /// <summary>Any JSON value, nested at most <paramref name="depth"/> levels.</summary>
    public static Gen<Json> Value(int depth) =>
        depth <= 0
            ? Leaf
            : Gen.Frequency(
                (4, Leaf),
                (1, from n in Gen.Choose(0, 5) from items in Gen.ArrayOf(Value(depth - 1), n) select (Json)new JsonList(items)),
                (2, Object(depth - 1)));

    public static Gen<Json> Object(int depth) =>
        from n in Gen.Choose(0, 6)
        from keys in Gen.ArrayOf(Key, n)
        from values in Gen.ArrayOf(Value(depth), n)
        select (Json)new JsonMap(keys.Zip(values, KeyValuePair.Create).ToList());

    /// <summary>Top-level bodies: mostly objects (the only shape that gets past the parser), nested up to five levels.</summary>
    public static Gen<Json> Body { get; } =
        Gen.Choose(0, 5).SelectMany(depth => Gen.Frequency((3, Object(depth)), (1, Value(depth))));

    /// <summary>Bytes that are not a JSON object: noise, invalid UTF-8, truncated or over-deep JSON, other formats.</summary>
    public static Gen<byte[]> NotJson { get; } = Gen.OneOf(
        from n in Gen.Choose(0, 300) from bytes in Gen.ArrayOf(Gen.Choose(0, 255), n) select bytes.Select(b => (byte)b).ToArray(),
        from body in Body
        from cut in Gen.Choose(0, 100)
        select Truncate(Encoding.UTF8.GetBytes(body.ToString()), cut),
        from depth in Gen.Choose(30, 2000)
        from open in Gen.Elements("[", "{\"a\":")
        select Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(open, depth))),
        Gen.Elements(
            "", " ", "\n", "null", "{", "}", "{}}", "{\"order\":}", "{'order':{}}", "{order:{}}", "{\"a\":1,,}", "[1,,2]",
            "{\"a\":01}", "{\"a\":NaN}", "{\"a\":.5}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}", "/* c */{}", "{} {}",
            "invoice_number=INV-1&amount=150000", "<xml/>", "\ufeff{}")
            .Select(Encoding.UTF8.GetBytes),
        Gen.Elements<byte[]>(
            [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'],
            [(byte)'{', (byte)'"', 0xC3, (byte)'"', (byte)':', (byte)'1', (byte)'}'],
            [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)'}'],
            [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}'],
            [0xFE, 0xFF, 0x00, (byte)'{', 0x00, (byte)'}'],
            [(byte)'{', 0x00, (byte)'}']));

    private static byte[] Truncate(byte[] bytes, int percent) => bytes[..(bytes.Length * percent / 100)];
}

/// <summary>A field with a length limit from the reference, and how to fill it to a given length.</summary>
public sealed record FieldLimit(string[] Path, int Max, FieldLimit.Filling Fill, bool RefusedAtAnyLength = false)
{
    public enum Filling
    {
        Text,
        Invoice,
        Email,
        Digits,
    }

    public string Name => string.Join('.', Path);

    public Gen<Json> ValueOfLength(int length) => Fill switch
    {
        Filling.Text => from c in Gen.Elements("a", "é", "中", "😀")
                        select (Json)new JsonString(string.Concat(Enumerable.Repeat(c, length))),
        Filling.Invoice => Gen.Constant<Json>(new JsonString(Mutations.InvoicePlaceholder + new string('x', length - Mutations.InvoicePlaceholder.Length))),
        Filling.Email => Gen.Constant<Json>(new JsonString(new string('a', length - "@example.com".Length) + "@example.com")),
        _ => from asString in Gen.Elements(false, true)
             let digits = new string('9', length)
             select asString ? (Json)new JsonString(digits) : new JsonLiteral(digits),
    };
}

/// <summary>What a mutation is known to deserve: accepted, or refused naming <see cref="Field"/>.</summary>
public sealed record Expectation(string Field, bool Accepted);

public sealed record Mutated(string Change, JsonMap Body, Expectation? Expected = null)
{
    public override string ToString() => $"{Change} => {Body}";
}

/// <summary>Generators of small changes to a valid request body, one kind of mistake at a time or a few at once.</summary>
public static class Mutations
{
    /// <summary>Stands for a fresh invoice number; the sender swaps in a unique one of the same length.</summary>
    public const string InvoicePlaceholder = "INV-0000000000000000";

    public static JsonMap FromJson(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return (JsonMap)Convert(document.RootElement);

        static Json Convert(System.Text.Json.JsonElement e) => e.ValueKind switch
        {
            System.Text.Json.JsonValueKind.Object =>
                new JsonMap(e.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, Convert(p.Value))).ToList()),
            System.Text.Json.JsonValueKind.Array => new JsonList(e.EnumerateArray().Select(Convert).ToList()),
            System.Text.Json.JsonValueKind.String => new JsonString(e.GetString()!),
            _ => new JsonLiteral(e.GetRawText()),
        };
    }

    public static Gen<Mutated> Of(JsonMap valid, IReadOnlyList<FieldLimit> limits, string codePrefix) =>
        Gen.Frequency(
            (4, One(valid, limits, codePrefix)),
            (1, from first in One(valid, limits, codePrefix)
                from second in One(first.Body, limits, codePrefix)
                select new Mutated($"{first.Change}; {second.Change}", second.Body)));

    private static Gen<Mutated> One(JsonMap body, IReadOnlyList<FieldLimit> limits, string codePrefix)
    {
        var paths = body.Paths().ToArray();
        if (paths.Length == 0)
        {
            return Gen.Constant(new Mutated("unchanged", body));
        }
        var anyPath = Gen.Elements(paths);
        string Name(string[] path) => string.Join('.', path);

        var drop = from path in anyPath select new Mutated($"drop {Name(path)}", body.Remove(path));
        var replace = from path in anyPath
                      from value in JsonGen.Value(3)
                      select new Mutated($"set {Name(path)}", body.Set(path, value));
        var rename = from path in anyPath
                     let key = path[^1]
                     from newKey in Gen.OneOf(
                         Gen.Elements(key.ToUpperInvariant(), key + " ", " " + key, key + "_", key.Replace("_", "", StringComparison.Ordinal),
                             key.Replace('_', '-'), "", key.Length > 0 ? key[..^1] : "_"),
                         JsonGen.Key)
                     select new Mutated($"rename {Name(path)} to '{newKey}'", body.Rename(path, newKey));
        var addUnknown = from objectPath in Gen.Elements(body.ObjectPaths().ToArray())
                         from key in JsonGen.Key
                         from value in JsonGen.Value(2)
                         select new Mutated($"add '{key}' to {(objectPath.Length == 0 ? "the root" : Name(objectPath))}",
                             body.Add(objectPath, key, value));
        var numberAsString = from path in Gen.Elements<string[]>(["order", "amount"], ["online_to_offline_info", "expired_time"])
                             let number = body.Get(path) is JsonLiteral l ? l.Text : "60"
                             from text in Gen.Elements(number, $" {number}", $"{number} ", $"+{number}", $"0{number}", $"{number}.0",
                                 $"{number}e0", $"-{number}", Grouped(number), "\u0661\u0662\u0663", $"{number}\u0000")
                             select new Mutated($"{Name(path)} as \"{text}\"", body.Set(path, new JsonString(text)));
        var atLimit = from limit in Gen.Elements(limits.ToArray())
                      from delta in Gen.Elements(-1, 0, 1, 10)
                      from value in limit.ValueOfLength(limit.Max + delta)
                      select new Mutated($"{limit.Name} of length {limit.Max + delta} (max {limit.Max})",
                          body.Set(limit.Path, value),
                          new Expectation(limit.Name, Accepted: delta <= 0 && !limit.RefusedAtAnyLength));
        var merchantCode = from prefixed in Gen.Elements(true, false)
                           from digits in JsonGen.Digits(0, 24)
                           let code = prefixed ? codePrefix + digits : digits
                           select new Mutated($"payment_code {code}",
                               body.Set(["online_to_offline_info", "payment_code"], new JsonString(code)));

        // Split settlement is the one place values are added up: lists of splits with any number, often huge ones.
        var split = from value in Gen.Frequency((3, JsonGen.Number), (1, JsonGen.Number.Select(n => (Json)new JsonString(n.ToString()))))
                    from type in Gen.Elements("FIX", "PERCENTAGE")
                    select (Json)JsonMap.Of(("bank_account_settlement_id", new JsonString("SBA-1")), ("value", value), ("type", new JsonString(type)));
        var settlement = from n in Gen.Choose(1, 4)
                         from splits in Gen.ArrayOf(split, n)
                         select new Mutated($"settlement of {n} splits", body.Set(["additional_info", "settlement"], new JsonList(splits)));

        return Gen.OneOf(drop, replace, rename, addUnknown, numberAsString, atLimit, merchantCode, settlement);
    }

    /// <summary>150000 written the Indonesian way, 150.000.</summary>
    private static string Grouped(string number) => number.Length > 3 ? $"{number[..^3]}.{number[^3..]}" : number;
}
