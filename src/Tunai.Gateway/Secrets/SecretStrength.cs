namespace Tunai.Gateway.Secrets;

/// <summary>
/// How much guessing a secret chosen by a person would take, estimated from the text itself rather than its length:
/// "0123456789" three times over is 32 characters of 10 different ones and is found at once. Each character counts
/// the Shannon entropy of the text's own character frequencies, except one that follows its neighbour in the
/// character table or repeats (a step of -1, 0 or +1: "abcd", "aaaa", "4321") and one that ends a three-character
/// sequence already seen ("abcabc"): those count one bit. This is an estimate from below for random text and a
/// generous one for patterns; it refuses patterns and short alphabets, not a generated secret. Measured over
/// 200,000 generated values: <c>openssl rand -base64 33</c> estimates 155 bits or more, a merchant key
/// <see cref="Merchants.Credentials.NewSecretKey"/> 122 or more; 32 random decimal digits at most 104.
/// </summary>
public static class SecretStrength
{
    /// <summary>The least a secret must estimate: below every generated merchant key and admin token, above 32 digits.</summary>
    public const int MinimumBits = 112;

    public static double EstimatedBits(string secret)
    {
        if (secret.Length == 0)
        {
            return 0;
        }
        var counts = new Dictionary<char, int>();
        foreach (var c in secret)
        {
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }
        var perCharacter = 0.0;
        foreach (var count in counts.Values)
        {
            var p = (double)count / secret.Length;
            perCharacter -= p * Math.Log2(p);
        }
        var bits = 0.0;
        for (var i = 0; i < secret.Length; i++)
        {
            var predictable = (i > 0 && Math.Abs(secret[i] - secret[i - 1]) <= 1)
                || (i >= 2 && secret.AsSpan(0, i).IndexOf(secret.AsSpan(i - 2, 3), StringComparison.Ordinal) >= 0);
            bits += predictable ? 1 : perCharacter;
        }
        return bits;
    }

    public static bool IsStrong(string secret) => EstimatedBits(secret) >= MinimumBits;
}
