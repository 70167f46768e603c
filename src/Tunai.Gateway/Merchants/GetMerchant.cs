namespace Tunai.Gateway.Merchants;

/// <summary>A merchant as the admin API shows it: everything but its secret key, with its fee.</summary>
public static class GetMerchant
{
    public static async Task<IResult> HandleAsync(string clientId, HttpContext http, Database database)
    {
        await using var connection = await database.OpenAsync(http.RequestAborted);
        var merchant = await MerchantStore.FindAsync(connection, clientId);
        return merchant is null ? MerchantEndpoints.NotFound(clientId)
            : WireJson.Ok(MerchantView.From(merchant, withSecret: false) with { Fee = (await Fees.FeeStore.MerchantAsync(connection, merchant.Id)).ToView() });
    }
}
