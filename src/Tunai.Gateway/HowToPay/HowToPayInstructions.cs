namespace Tunai.Gateway.HowToPay;

/// <summary>Steps to pay a payment code through one channel, in one language.</summary>
/// <param name="Channel">The payment channel, e.g. <c>ALFA</c>.</param>
/// <param name="Language">BCP 47 language tag of the steps: <c>id</c> or <c>en</c>.</param>
/// <param name="Step">The steps, in order.</param>
public sealed record PaymentInstruction(string Channel, string Language, IReadOnlyList<string> Step);

/// <summary>How a customer pays a payment code at the cashier of an Alfa Group store.</summary>
public static class HowToPayInstructions
{
    /// <summary>The steps in Bahasa Indonesia first, then English, with the real code and amount filled in.</summary>
    public static IReadOnlyList<PaymentInstruction> For(string paymentCode, long amount, string merchantName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(paymentCode);
        ArgumentException.ThrowIfNullOrWhiteSpace(merchantName);
        var rupiah = Rupiah.Format(amount);

        return
        [
            new("ALFA", "id",
            [
                "Datang ke kasir Alfamart, Alfaexpress, Alfamidi, Lawson atau Dan+Dan terdekat.",
                $"Sampaikan kepada kasir bahwa Anda ingin membayar pesanan online di {merchantName}.",
                $"Sebutkan kode pembayaran {paymentCode} kepada kasir.",
                $"Periksa nama merchant ({merchantName}) dan jumlah tagihan ({rupiah}) yang ditampilkan kasir.",
                $"Bayar tepat {rupiah} secara tunai.",
                "Simpan struk dari kasir sebagai bukti pembayaran.",
            ]),
            new("ALFA", "en",
            [
                "Go to the cashier of any Alfamart, Alfaexpress, Alfamidi, Lawson or Dan+Dan store.",
                $"Tell the cashier you want to pay for an online order from {merchantName}.",
                $"Tell the cashier the payment code {paymentCode}.",
                $"Check that the merchant name ({merchantName}) and the amount ({rupiah}) shown by the cashier are correct.",
                $"Pay exactly {rupiah} in cash.",
                "Keep the receipt from the cashier as proof of payment.",
            ]),
        ];
    }
}
