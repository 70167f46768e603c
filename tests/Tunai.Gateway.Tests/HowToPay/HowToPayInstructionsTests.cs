using Tunai.Gateway.HowToPay;

namespace Tunai.Gateway.Tests.HowToPay;

public class HowToPayInstructionsTests
{
    [Fact]
    public void AlfaStepsComeInBahasaIndonesiaThenEnglish()
    {
        var instructions = HowToPayInstructions.For("8896512345678123", 150_000, "Toko Sumber Rejeki");

        Assert.Equal([("ALFA", "id"), ("ALFA", "en")], instructions.Select(i => (i.Channel, i.Language)));
    }

    [Fact]
    public void StepsNameTheStoresMerchantCodeAndExactAmount()
    {
        foreach (var instruction in HowToPayInstructions.For("8896512345678123", 1_250_000, "Toko Sumber Rejeki"))
        {
            var text = string.Join('\n', instruction.Step);
            foreach (var expected in new[]
                { "Alfamart", "Alfaexpress", "Alfamidi", "Lawson", "Dan+Dan", "Toko Sumber Rejeki", "8896512345678123", "Rp1.250.000" })
            {
                Assert.Contains(expected, text, StringComparison.Ordinal);
            }
            Assert.Equal(6, instruction.Step.Count);
        }
    }
}
