namespace Tunai.Gateway.Merchants;

/// <summary>Random identifiers and secrets handed to merchants, in the provider's shapes.</summary>
public static class Credentials
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary><c>MCH-0001-10791114622547</c> style.</summary>
    public static string NewClientId() => $"MCH-{RandomDigits(4)}-{RandomDigits(14)}";

    /// <summary><c>SK-</c> and 32 alphanumerics: about 190 bits from a CSPRNG.</summary>
    public static string NewSecretKey() => "SK-" + RandomNumberGenerator.GetString(Alphanumeric, 32);

    public static string NewAdminToken() => "adm_" + RandomNumberGenerator.GetString(Alphanumeric, 40);

    /// <summary>A prefix never starts with 0, so it reads the same whatever the POS does with leading zeros.</summary>
    public static string NewPrefix(int length) =>
        RandomNumberGenerator.GetString("123456789", 1) + RandomDigits(length - 1);

    public static string RandomDigits(int count) => RandomNumberGenerator.GetString("0123456789", count);
}
