using System.CommandLine;
using System.Text;
using Tunai.Signing;

namespace Tunai.Cli;

/// <summary><c>tunai sign</c>: the headers of a signed request, and with --verbose the string that was signed.</summary>
internal static class SignCommand
{
    public static Command Create(CliConsole console)
    {
        var clientId = new Option<string>("--client-id") { Description = "Client-Id", Required = true };
        var secretKey = new Option<string>("--secret-key") { Description = "Secret key", Required = true };
        var path = new Option<string>("--path") { Description = "Request-Target: the URL's path, e.g. /alfa-online-to-offline/v2/payment-code", Required = true };
        var requestId = new Option<string>("--request-id") { Description = "Request-Id [default: a new UUID]" };
        var timestamp = new Option<string>("--timestamp") { Description = "Request-Timestamp, e.g. 2020-08-11T08:45:42Z [default: now]" };
        var bodyFile = new Option<FileInfo>("--body-file") { Description = "Read the body from this file, byte for byte" };
        var body = new Option<string>("--body") { Description = "The body as text (hashed as UTF-8)" };
        var noBody = new Option<bool>("--no-body") { Description = "Sign a request without a body (a GET): no Digest line" };
        var verbose = new Option<bool>("--verbose") { Description = "Also print the digest and the exact string to sign" };
        var command = new Command("sign", "Compute the signature headers of a request (body from --body, --body-file or stdin)")
        {
            clientId, secretKey, path, requestId, timestamp, bodyFile, body, noBody, verbose,
        };
        command.SetAction(async (parsed, ct) =>
        {
            var target = parsed.GetValue(path)!;
            if (!target.StartsWith('/') || target.Contains('?', StringComparison.Ordinal))
            {
                throw new CliError($"--path is the URL's path only, without scheme, host or query string (got '{target}')");
            }
            var bytes = await BodyAsync(console, parsed.GetValue(bodyFile), parsed.GetValue(body), parsed.GetValue(noBody), ct);
            var input = new SignatureInput(parsed.GetValue(clientId)!, parsed.GetValue(requestId) ?? Guid.NewGuid().ToString(),
                parsed.GetValue(timestamp) ?? Signature.FormatTimestamp(console.Time.GetUtcNow()), target, bytes);
            var stringToSign = Signature.StringToSign(input);

            var output = new StringBuilder()
                .AppendLine($"{SignatureHeaders.ClientId}: {input.ClientId}")
                .AppendLine($"{SignatureHeaders.RequestId}: {input.RequestId}")
                .AppendLine($"{SignatureHeaders.RequestTimestamp}: {input.Timestamp}")
                .AppendLine($"{SignatureHeaders.Signature}: {Signature.Sign(parsed.GetValue(secretKey)!, stringToSign)}");
            if (parsed.GetValue(verbose))
            {
                output.AppendLine()
                    .AppendLine(bytes is null ? "No body: no Digest line" : $"Digest: {Signature.Digest(bytes)} (base64 SHA-256 of {bytes.Length} body bytes)")
                    .AppendLine("String to sign (lines joined by \\n, no trailing newline):")
                    .AppendLine(stringToSign);
            }
            await console.Out.WriteAsync(output.ToString());
            return Cli.Success;
        });
        return command;
    }

    private static async Task<byte[]?> BodyAsync(CliConsole console, FileInfo? file, string? text, bool none, CancellationToken ct)
    {
        if ((file is not null ? 1 : 0) + (text is not null ? 1 : 0) + (none ? 1 : 0) > 1)
        {
            throw new CliError("give only one of --body, --body-file and --no-body");
        }
        if (none)
        {
            return null;
        }
        if (text is not null)
        {
            return Encoding.UTF8.GetBytes(text);
        }
        if (file is not null)
        {
            return file.Exists ? await File.ReadAllBytesAsync(file.FullName, ct) : throw new CliError($"no such file: {file.FullName}");
        }
        await using var stdin = console.Input() ?? throw new CliError("give the body with --body, --body-file or on stdin, or --no-body to sign a GET");
        using var buffer = new MemoryStream();
        await stdin.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }
}
