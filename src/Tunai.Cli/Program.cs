using Tunai.Cli;

return await Cli.RunAsync(args, CliConsole.System());
