namespace Tunai.Gateway.Snap;

/// <summary>A merchant's SNAP public key: the RSA key its B2B token requests are verified with.</summary>
public static class SnapKeys
{
    public const int MinimumBits = 2048;

    /// <summary>
    /// Reads <c>snap_public_key</c> of an admin PATCH: absent (not given), null (remove the key), or a PEM public key
    /// (<c>PUBLIC KEY</c> or <c>RSA PUBLIC KEY</c>) of an RSA key of at least 2048 bits. A private key is refused,
    /// whatever else it holds: it must never be sent to the gateway.
    /// </summary>
    public static (bool Given, string? Pem) Read(FieldReader f, System.Text.Json.JsonElement root)
    {
        const string path = "snap_public_key";
        if (!root.TryGetProperty(path, out var value))
        {
            return (false, null);
        }
        if (value.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            return (true, null);
        }
        // Not FieldReader.Text: a PEM is lines, and Text refuses control characters.
        if (value.ValueKind != System.Text.Json.JsonValueKind.String || value.GetString() is not { Length: > 0 and <= 8192 } pem)
        {
            return (true, f.Fail<string>(path, "snap_public_key must be a PEM public key of at most 8192 characters"));
        }
        return Rule(pem) is { } broken ? (true, f.Fail<string>(path, broken)) : (true, pem.Trim());
    }

    /// <summary>What is wrong with a PEM public key, or null when it is an RSA public key of at least 2048 bits.</summary>
    public static string? Rule(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            return "snap_public_key must be a PEM public key (-----BEGIN PUBLIC KEY-----)";
        }
        var label = pem[fields.Label];
        if (label is not ("PUBLIC KEY" or "RSA PUBLIC KEY"))
        {
            return $"snap_public_key must be a PUBLIC KEY, not {label}: never send a private key";
        }
        try
        {
            using var rsa = Import(pem);
            return rsa.KeySize < MinimumBits ? $"snap_public_key must be an RSA key of at least {MinimumBits} bits (this one has {rsa.KeySize})" : null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return "snap_public_key must be an RSA public key in PEM (SubjectPublicKeyInfo or PKCS#1)";
        }
    }

    public static RSA Import(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }

    public static Task<string?> FindAsync(DbConnection connection, long merchantId) =>
        connection.QuerySingleOrDefaultAsync<string?>("SELECT snap_public_key FROM merchants WHERE id = @merchantId", new { merchantId });

    /// <summary>Sets (or, with null, removes) the merchant's key in the caller's unit.</summary>
    public static Task SetAsync(DbConnection connection, DbTransaction tx, long merchantId, string? pem) =>
        connection.ExecuteAsync("UPDATE merchants SET snap_public_key = @pem WHERE id = @merchantId", new { merchantId, pem }, tx);
}
