using Tunai.Gateway.HowToPay;

namespace Tunai.Gateway.Tests.HowToPay;

public class RupiahTests
{
    [Theory]
    [InlineData(0, "Rp0")]
    [InlineData(999, "Rp999")]
    [InlineData(1_000, "Rp1.000")]
    [InlineData(10_000, "Rp10.000")]
    [InlineData(150_000, "Rp150.000")]
    [InlineData(1_234_567_890, "Rp1.234.567.890")]
    [InlineData(long.MaxValue, "Rp9.223.372.036.854.775.807")]
    public void AmountsUseDotThousandsSeparatorsAndNoDecimals(long amount, string expected) =>
        Assert.Equal(expected, Rupiah.Format(amount));

    [Fact]
    public void NegativeAmountIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Rupiah.Format(-1));
}
