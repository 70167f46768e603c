using System.CommandLine;
using System.Text;
using Tunai.Signing;

namespace Tunai.Cli;

/// <summary>
/// <c>tunai sign</c>: the headers of a signed request, and with --verbose the string that was signed. With --snap, a
/// SNAP request's: the B2B token call's (--private-key-file) or a transaction's (--token).
/// </summary>
internal static class SignCommand
{
    public static Command Create(CliConsole console)
    {
        var clientId = new Option<string>("--client-id") { Description = "Client-Id", Required = true };
        var secretKey = new Option<string>("--secret-key") { Description = "Secret key (not for a SNAP token call)" };
        var path = new Option<string>("--path") { Description = "Request-Target: the URL's path (or the whole URL), e.g. /alfa-online-to-offline/v2/payment-code; signed percent-encoded", Required = true };
        var requestId = new Option<string>("--request-id") { Description = "Request-Id [default: a new UUID]" };
        var timestamp = new Option<string>("--timestamp") { Description = "Request-Timestamp, e.g. 2020-08-11T08:45:42Z [default: now]" };
        var bodyFile = new Option<FileInfo>("--body-file") { Description = "Read the body from this file, byte for byte" };
        var body = new Option<string>("--body") { Description = "The body as text (hashed as UTF-8)" };
        var noBody = new Option<bool>("--no-body") { Description = "Sign a request without a body (a GET): no Digest line" };
        var verbose = new Option<bool>("--verbose") { Description = "Also print the digest and the exact string to sign" };
        var snap = new Option<bool>("--snap") { Description = "SNAP: a transaction's headers with --token, the B2B token call's with --private-key-file; prints the string to sign" };
        var token = new Option<string>("--token") { Description = "SNAP: the B2B access token the transaction is sent with" };
        var privateKeyFile = new Option<FileInfo>("--private-key-file") { Description = "SNAP: the merchant's RSA private key (PEM), to sign the B2B token call" };
        var method = new Option<string>("--method") { Description = "SNAP: the transaction's HTTP method [default: POST]" };
        var command = new Command("sign", "Compute the signature headers of a request (body from --body, --body-file or stdin)")
        {
            clientId, secretKey, path, requestId, timestamp, bodyFile, body, noBody, verbose, snap, token, privateKeyFile, method,
        };
        command.SetAction(async (parsed, ct) =>
        {
            if (parsed.GetValue(snap))
            {
                await console.Out.WriteAsync(await SnapAsync(console, parsed.GetValue(clientId)!, parsed.GetValue(secretKey), parsed.GetValue(path)!,
                    parsed.GetValue(token), parsed.GetValue(privateKeyFile), parsed.GetValue(method) ?? "POST", parsed.GetValue(timestamp),
                    () => BodyAsync(console, parsed.GetValue(bodyFile), parsed.GetValue(body), parsed.GetValue(noBody), ct), ct));
                return Cli.Success;
            }
            if (parsed.GetValue(secretKey) is null)
            {
                throw new CliError("--secret-key is required");
            }
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

    /// <summary>A SNAP request's headers and its string to sign (<see cref="SnapSignature"/>, the gateway's own definition).</summary>
    private static async Task<string> SnapAsync(CliConsole console, string clientId, string? secretKey, string path, string? token,
        FileInfo? privateKeyFile, string method, string? timestamp, Func<Task<byte[]?>> body, CancellationToken ct)
    {
        if ((token is null) == (privateKeyFile is null))
        {
            throw new CliError("--snap needs either --token (a transaction) or --private-key-file (the B2B token call)");
        }
        var when = timestamp ?? SnapSignature.FormatTimestamp(console.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(7)));
        if (!SnapSignature.TryParseTimestamp(when, out _))
        {
            throw new CliError($"--timestamp must be ISO-8601 with Z or an offset, e.g. 2026-12-07T11:43:40+07:00 (got '{when}')");
        }
        var output = new StringBuilder();
        if (privateKeyFile is not null)
        {
            if (!privateKeyFile.Exists)
            {
                throw new CliError($"no such file: {privateKeyFile.FullName}");
            }
            using var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportFromPem(await File.ReadAllTextAsync(privateKeyFile.FullName, ct));
            output.AppendLine($"{SnapHeaders.ClientKey}: {clientId}")
                .AppendLine($"{SnapHeaders.Timestamp}: {when}")
                .AppendLine($"{SnapHeaders.Signature}: {SnapSignature.SignToken(rsa, clientId, when)}")
                .AppendLine()
                .AppendLine("String to sign (SHA256withRSA, PKCS#1 v1.5):")
                .AppendLine(SnapSignature.TokenStringToSign(clientId, when));
            return output.ToString();
        }
        if (secretKey is null)
        {
            throw new CliError("--secret-key is required to sign a SNAP transaction");
        }
        var bytes = await body() ?? [];
        var (stringToSign, signature) = SnapSignature.SignTransaction(secretKey, method, path, token!, bytes, when);
        output.AppendLine($"Authorization: Bearer {token}")
            .AppendLine($"{SnapHeaders.PartnerId}: {clientId}")
            .AppendLine($"{SnapHeaders.ExternalId}: {Guid.NewGuid():N}")
            .AppendLine($"{SnapHeaders.ChannelId}: SDK")
            .AppendLine($"{SnapHeaders.Timestamp}: {when}")
            .AppendLine($"{SnapHeaders.Signature}: {signature}")
            .AppendLine()
            .AppendLine($"Body hash: {SnapSignature.BodyHash(bytes)} (lowercase hex SHA-256 of {bytes.Length} body bytes)")
            .AppendLine("String to sign (HMAC-SHA512 with the secret key, base64):")
            .AppendLine(stringToSign);
        return output.ToString();
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
