using System.Diagnostics;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// Reads barcodes out of an image with zbar's <c>zbarimg</c> (Debian package zbar-tools): a decoder
/// written independently of our encoder, so a round trip through it checks the bars, not our own idea of them.
/// </summary>
public static class BarcodeDecoder
{
    private const int NoSymbolFound = 4;

    /// <summary>Every symbol zbarimg finds in the PNG, in the order it reports them; empty when none.</summary>
    public static async Task<IReadOnlyList<string>> DecodeAsync(string pngPath, CancellationToken cancellationToken)
    {
        var zbarimg = ExternalTool.Locate("zbarimg");
        if (zbarimg is null)
        {
            ExternalTool.Unavailable("zbarimg");
        }

        using var process = Process.Start(new ProcessStartInfo(zbarimg)
        {
            ArgumentList = { "--raw", "-q", pngPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("zbarimg did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);

        if (process.ExitCode == NoSymbolFound)
        {
            return [];
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"zbarimg exited with {process.ExitCode} on {pngPath}: {await errors}");
        }
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
