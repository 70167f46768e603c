using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Tunai.Gateway.Snap;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Snap;

/// <summary>
/// Tunai's SNAP JSON is byte-stable under JavaScript's JSON.parse then JSON.stringify, checked by node itself over
/// generated answers whose strings hold what System.Text.Json's default encoder escapes (+, &lt;, &amp;, ', non-ASCII,
/// emoji) and what JSON must escape (quotes, backslashes, control characters).
/// </summary>
public sealed class SnapJsonProperties
{
    private static readonly Gen<char> Interesting = Gen.Elements(
        '+', '<', '>', '&', '\'', '"', '\\', '/', 'é', 'ñ', '中', '\u2028', '\u2029', '\u007f', '\u0080', '\u00a0', '\ufeff',
        '\0', '\b', '\f', '\n', '\r', '\t', '\u001f', 'a', 'Z', '0', ' ', ':');

    private static readonly Gen<string> Text =
        Gen.ListOf(Gen.OneOf(
            Interesting.Select(c => c.ToString()),
            Gen.Choose(0x20, 0xD7FF).Select(c => ((char)c).ToString()),
            Gen.Choose(0xE000, 0xFFFD).Select(c => ((char)c).ToString()),
            Gen.Choose(0x10000, 0x10FFFF).Select(char.ConvertFromUtf32)))
        .Select(parts => string.Concat(parts));

    private static Gen<JsonNode?> Value(int depth) =>
        depth <= 0
            ? Gen.OneOf(
                Text.Select(s => (JsonNode?)JsonValue.Create(s)),
                Gen.Choose(-1_000_000, 1_000_000).Select(n => (JsonNode?)JsonValue.Create(n)),
                Gen.Elements(0, 1, 2).Select(k => k == 2 ? null : (JsonNode?)JsonValue.Create(k == 1)))
            : Gen.OneOf(
                Value(0),
                Object(depth - 1).Select(o => (JsonNode?)o),
                Gen.ListOf(Value(depth - 1)).Select(items => (JsonNode?)new JsonArray([.. items])));

    /// <summary>
    /// Member names: any text but an array index ("0", "17"), which JavaScript objects enumerate first whatever the
    /// order written. Tunai's SNAP objects have fixed, named members, so none is one.
    /// </summary>
    private static readonly Gen<string> Name = Text.Where(s => !System.Text.RegularExpressions.Regex.IsMatch(s, "^(0|[1-9][0-9]*)$"));

    private static Gen<JsonObject> Object(int depth) =>
        Gen.ListOf(Name.Zip(Value(depth))).Select(members =>
        {
            var o = new JsonObject();
            foreach (var (name, value) in members)
            {
                o[name] = value;
            }
            return o;
        });

    /// <summary>An answer as Tunai writes one: responseCode, responseMessage, then generated members.</summary>
    private static readonly Gen<byte[]> Answer =
        from message in Text
        from fields in Object(2)
        select SnapResult.Of("2002700", message, fields).Body;

    [Fact]
    public async Task TunaisSnapJsonIsByteStableUnderJsonParseAndStringify()
    {
        var node = NodeSnapSdk.Node();
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(5),
            Prop.ForAll(Arb.From(Gen.ArrayOf(Answer, 200)), (byte[][] bodies) =>
                Task.Run(() => RoundTripsAsync(node, bodies)).GetAwaiter().GetResult()));
        // Not vacuous: the default encoder's output is not stable, and node says so.
        var escaped = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { offset = "+07:00", name = "José" }));
        await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => RoundTripsAsync(node, [escaped])));
    }

    private static async Task<bool> RoundTripsAsync(string node, byte[][] bodies)
    {
        var input = JsonSerializer.Serialize(bodies.Select(Convert.ToBase64String));
        var (exit, output) = await NodeSnapSdk.RunAsync(node, [Path.Combine(NodeSnapSdk.Scripts, "json-roundtrip.cjs")], NodeSnapSdk.Scripts, stdin: input);
        Assert.True(exit == 0, output);
        var result = JsonNode.Parse(output)!;
        Assert.Equal(bodies.Length, (int)result["checked"]!);
        var failures = result["failures"]!.AsArray();
        if (failures.Count > 0)
        {
            var first = failures[0]!;
            Assert.Fail($"not stable: Tunai wrote {Encoding.UTF8.GetString(bodies[(int)first["index"]!])}\nJavaScript wrote {first["javascript"]}");
        }
        return true;
    }
}
