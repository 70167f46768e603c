using Tunai.Gateway;
using Tunai.Gateway.Startup;

WebApplication? app = null;
try
{
    app = GatewayApp.Build(args);
    await app.InitializeAsync();
    StartupFailure.HostStarting = true;
    await app.StartAsync();
    StartupFailure.HostStarting = false;
}
catch (Exception e)
{
    // Every start that cannot succeed ends here: one line on stderr saying what to fix, no stack trace.
    var (line, exitCode) = StartupFailure.Describe(e);
    Console.Error.WriteLine(line);
    return exitCode;
}
await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
