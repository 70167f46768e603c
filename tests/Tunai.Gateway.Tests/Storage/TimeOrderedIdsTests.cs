using FsCheck;
using FsCheck.Fluent;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Tests.Storage;

public sealed class TimeOrderedIdsTests
{
    private static readonly Gen<long> Times =
        from high in Gen.Choose(0, int.MaxValue)
        from low in Gen.Choose(0, int.MaxValue)
        select (((long)high << 31) | (uint)low) % (TimeOrderedIds.MaxMilliseconds + 1);

    private static readonly Gen<(long, long)> Pairs =
        from a in Times
        from b in Gen.OneOf(Times, Gen.Choose(-3, 3).Select(d => a + d))
        where b >= 0 && b <= TimeOrderedIds.MaxMilliseconds
        select (a, b);

    [Fact]
    public void AnIdHasTheOldShapeAndSortsAsTheTimeItWasMadeAt()
    {
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(5_000), Prop.ForAll(Arb.From(Pairs), pair =>
        {
            var (t1, t2) = pair;
            var (a, b) = (TimeOrderedIds.New("PAY-", t1), TimeOrderedIds.New("PAY-", t2));
            foreach (var id in new[] { a, b })
            {
                Assert.Equal(24, id.Length);
                Assert.StartsWith("PAY-", id, StringComparison.Ordinal);
                Assert.All(id[4..], c => Assert.Contains(c, TimeOrderedIds.Alphabet));
            }
            Assert.Equal(t1, TimeOf(a, "PAY-"));
            Assert.Equal(t2, TimeOf(b, "PAY-"));
            if (t1 != t2)
            {
                Assert.Equal(t1.CompareTo(t2), Math.Sign(string.CompareOrdinal(a, b)));
            }
        }));
    }

    [Fact]
    public void IdsMadeInTheSameMillisecondDifferAndTheTimesAtTheEdgesAreKept()
    {
        var now = DateTimeOffset.Parse("2026-12-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var ids = Enumerable.Range(0, 10_000).Select(_ => TimeOrderedIds.New("NTF-", now)).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Equal(now, TimeOf(id, "NTF-")));

        Assert.Equal("PAY-222222222", TimeOrderedIds.New("PAY-", 0)[..13]);
        Assert.Equal("PAY-ZZZZZZZZZ", TimeOrderedIds.New("PAY-", TimeOrderedIds.MaxMilliseconds)[..13]);
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeOrderedIds.New("PAY-", -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeOrderedIds.New("PAY-", TimeOrderedIds.MaxMilliseconds + 1));
    }

    /// <summary>The time in an id's first nine characters after its prefix, read back independently of the gateway's writer.</summary>
    public static long TimeOf(string id, string prefix)
    {
        Assert.StartsWith(prefix, id, StringComparison.Ordinal);
        var ms = 0L;
        foreach (var c in id.AsSpan(prefix.Length, 9))
        {
            var digit = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ".IndexOf(c, StringComparison.Ordinal);
            Assert.True(digit >= 0, $"{c} is not an id character");
            ms = ms * 32 + digit;
        }
        return ms;
    }
}
