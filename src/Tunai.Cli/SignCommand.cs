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
        var path = new Option<string>("--path") { Description = "Request-Target: the URL's path (or the whole URL), e.g. /alfa-online-to-offline/v2/payment-code; signed percent-encoded", Required = true };
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
            var given = parsed.GetValue(path)!;
            if (Uri.TryCreate(given, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
            {
                given = url.AbsolutePath; // a whole URL: its path, as an HTTP client sends it
            }
            else if (!given.StartsWith('/') || given.Contains('?', StringComparison.Ordinal))
            {
                throw new CliError($"--path is the URL's path (or the whole URL), without query string (got '{given}')");
            }
            // Signers sign the path as it travels on the wire: a space or a non-ASCII letter is percent-encoded.
            var target = RequestTarget.Encode(given);
            var when = console.Time.GetUtcNow();
            if (parsed.GetValue(timestamp) is { } stamp && !Signature.TryParseTimestamp(stamp, out when))
            {
                throw new CliError($"--timestamp must be UTC ISO-8601, e.g. 2020-08-11T08:45:42Z (got '{stamp}')");
            }
            var bytes = await BodyAsync(console, parsed.GetValue(bodyFile), parsed.GetValue(body), parsed.GetValue(noBody), ct);
            var signed = SignedEnvelope.SignRequest(parsed.GetValue(clientId)!, parsed.GetValue(secretKey)!,
                parsed.GetValue(requestId) ?? Guid.NewGuid().ToString(), when, target, bytes);

            var output = new StringBuilder();
            foreach (var (name, value) in signed.ToList())
            {
                output.AppendLine($"{name}: {value}");
            }
            if (parsed.GetValue(verbose))
            {
                var stringToSign = Signature.StringToSign(new SignatureInput(signed.ClientId, signed.RequestId, signed.Timestamp, target, bytes));
                output.AppendLine()
                    .AppendLine($"Request-Target: {target}{(target == given ? "" : $" (the path '{given}' percent-encoded, as it travels on the wire)")}")
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
