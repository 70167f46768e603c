using Tunai.Gateway.Api;
using Tunai.Gateway.PaymentCodes;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Money;

/// <summary>
/// What money rules a code must meet, called by create and update inside their unit of work (a refusal returns
/// before the unit commits, so nothing of the code stays).
/// </summary>
public static class CodeMoney
{
    /// <summary>A code just inserted: fixes the merchant's fee schedule in force with it.</summary>
    public static async Task<ApiError?> AcceptNewAsync(WriteUnit unit, PaymentCode code)
    {
        await FeeStore.FixForCodeAsync(unit.Connection, unit.Transaction, code.Id, code.MerchantId);
        return null;
    }
}
