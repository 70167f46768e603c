using Microsoft.Extensions.Options;

try
{
    var app = Tunai.SampleShop.ShopApp.Build(args);
    // Checked before the host starts, which would log the failure with its stack trace first.
    _ = app.Services.GetRequiredService<IOptions<Tunai.Merchant.TunaiMerchantOptions>>().Value;
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException e)
{
    // Started without the merchant's credentials (or with broken ones): one line saying which settings to give.
    Console.Error.WriteLine($"sample shop: configuration error: {string.Join("; ", e.Failures)}; set Tunai:ClientId and Tunai:SecretKey " +
        "(after `source data/sandbox.env`: Tunai__ClientId=$TUNAI_CLIENT_ID Tunai__SecretKey=$TUNAI_SECRET_KEY)");
    return 1;
}
catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    Console.Error.WriteLine($"sample shop: {e.Message.TrimEnd('.')}; give another address with --urls");
    return 1;
}
