using Microsoft.Extensions.Options;
using Tunai.Gateway;
using Tunai.Gateway.Startup;
using Tunai.Gateway.Storage;

try
{
    var app = GatewayApp.Build(args);
    await app.InitializeAsync();
    await app.RunAsync();
    return 0;
}
catch (MigrationChangedException e)
{
    Console.Error.WriteLine($"tunai: database error: {e.Message}");
    return 1;
}
catch (Exception e) when (e is OptionsValidationException or InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" })
{
    // A clear one-line error, exit code 1, no stack trace.
    var message = e is OptionsValidationException v ? string.Join("; ", v.Failures) : e.Message;
    Console.Error.WriteLine($"tunai: configuration error: {message}");
    return 1;
}
