using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Tunai.Gateway.Startup;

namespace Tunai.Gateway.Secrets;

/// <summary>
/// The operator's master key, which encrypts the Data Protection keys kept in the database: 32 random bytes from
/// <c>Tunai:Secrets:MasterKey</c> (base64) or the file named by <c>Tunai:Secrets:MasterKeyFile</c>. Every instance on
/// one database is given the same one; with it and the database an instance opens every stored secret, and neither
/// alone gives one away. While the master key is being replaced, <c>Tunai:Secrets:PreviousMasterKey</c> (or
/// <c>PreviousMasterKeyFile</c>) is the one being replaced: it still opens, and at start every key sealed with it
/// is sealed again with the current one. The sandbox generates a master key into its data folder on first start.
/// </summary>
public sealed class MasterKeys
{
    public const string Setting = "Tunai:Secrets:MasterKey";
    public const string PreviousSetting = "Tunai:Secrets:PreviousMasterKey";
    public const string SandboxFileName = "master.key";

    private MasterKeys(MasterKey current, MasterKey? previous) => (Current, Previous) = (current, previous);

    public MasterKey Current { get; }

    public MasterKey? Previous { get; }

    /// <summary>The master key with this fingerprint, if it is one of those configured.</summary>
    public MasterKey? Find(string id) =>
        Current.Id == id ? Current : Previous?.Id == id ? Previous : null;

    /// <summary>Reads the configured keys; in the sandbox, generates the current one when none is configured.</summary>
    public static MasterKeys Load(IConfiguration configuration, TunaiOptions options, ILogger logger)
    {
        var current = Read(configuration, Setting);
        if (current is null)
        {
            if (!options.IsSandbox)
            {
                throw new StartupException(
                    $"configuration error: {Setting} (or {FileSettingOf(Setting)}) is required in Production: 32 random bytes in base64 " +
                    "(openssl rand -base64 32), the same for every instance on the database");
            }
            current = SandboxKey(options, logger);
        }
        var previous = Read(configuration, PreviousSetting);
        return new MasterKeys(current, previous?.Id == current.Id ? null : previous);
    }

    /// <summary>Where a key setting may name a file holding the key instead: <c>Tunai:Secrets:MasterKeyFile</c>.</summary>
    private static string FileSettingOf(string setting) => setting + "File";

    /// <summary>The key in <paramref name="setting"/> (base64), else in the file its <see cref="FileSettingOf"/> names, else none.</summary>
    private static MasterKey? Read(IConfiguration configuration, string setting)
    {
        if (configuration[setting] is { Length: > 0 } value)
        {
            return MasterKey.Parse(value, setting);
        }
        var fileSetting = FileSettingOf(setting);
        if (configuration[fileSetting] is not { Length: > 0 } file)
        {
            return null;
        }
        string text;
        try
        {
            text = File.ReadAllText(Path.GetFullPath(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"configuration error: {fileSetting}: cannot read {Path.GetFullPath(file)}: {e.Message}");
        }
        return MasterKey.Parse(text, fileSetting);
    }

    /// <summary>The sandbox's own master key, in its data folder: created 0600 on first start, read afterwards.</summary>
    private static MasterKey SandboxKey(TunaiOptions options, ILogger logger)
    {
        var folder = options.Storage.DataFolder;
        var path = Path.Combine(folder, SandboxFileName);
        if (!File.Exists(path))
        {
            OwnerOnly.CreateFolder(folder);
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            try
            {
                using (var writer = new StreamWriter(path, new UTF8Encoding(false), fileOptions))
                {
                    writer.WriteLine(Convert.ToBase64String(RandomNumberGenerator.GetBytes(MasterKey.Length)));
                }
                logger.LogInformation("Generated the sandbox's master key in {Path}; keep it with the database (the secrets in the database open only with it)", path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another instance starting in the same folder wrote it first.
            }
        }
        return MasterKey.Parse(File.ReadAllText(path), $"{path} (the sandbox's master key)");
    }
}

/// <summary>One master key and its fingerprint, which names it in the database without giving it away.</summary>
public sealed class MasterKey
{
    public const int Length = 32;
    private const int NonceLength = 12;
    private const int TagLength = 16;

    private readonly byte[] _key;

    private MasterKey(byte[] key)
    {
        _key = key;
        Id = Fingerprint(key);
    }

    /// <summary>The first 8 bytes of SHA-256 over a label and the key, in hex.</summary>
    public string Id { get; }

    public static MasterKey Parse(string base64, string setting)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new StartupException($"configuration error: {setting} is not base64; give 32 random bytes in base64 (openssl rand -base64 32)");
        }
        if (key.Length != Length)
        {
            throw new StartupException($"configuration error: {setting} is {key.Length} bytes; it must be 32 random bytes in base64 (openssl rand -base64 32)");
        }
        return new MasterKey(key);
    }

    public static MasterKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    public string ToBase64() => Convert.ToBase64String(_key);

    private static string Fingerprint(byte[] key) =>
        Convert.ToHexStringLower(SHA256.HashData([.. "tunai-master-key-id:"u8, .. key])[..8]);

    /// <summary>AES-256-GCM: nonce, ciphertext and tag in one value; the fingerprint is authenticated with it.</summary>
    public byte[] Encrypt(byte[] plaintext)
    {
        var sealedValue = new byte[NonceLength + plaintext.Length + TagLength];
        var nonce = sealedValue.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagLength);
        aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(NonceLength, plaintext.Length), sealedValue.AsSpan(NonceLength + plaintext.Length),
            Encoding.ASCII.GetBytes(Id));
        return sealedValue;
    }

    public byte[] Decrypt(byte[] sealedValue)
    {
        if (sealedValue.Length < NonceLength + TagLength)
        {
            throw new CryptographicException("the sealed key is too short");
        }
        var plaintext = new byte[sealedValue.Length - NonceLength - TagLength];
        using var aes = new AesGcm(_key, TagLength);
        aes.Decrypt(sealedValue.AsSpan(0, NonceLength), sealedValue.AsSpan(NonceLength, plaintext.Length),
            sealedValue.AsSpan(NonceLength + plaintext.Length), plaintext, Encoding.ASCII.GetBytes(Id));
        return plaintext;
    }
}

/// <summary>
/// Data Protection's hook for a key's secret part: <c>&lt;sealedKey masterKeyId="…"&gt;base64&lt;/sealedKey&gt;</c>,
/// the element encrypted with the current master key.
/// </summary>
public sealed class MasterKeyXmlEncryptor(MasterKeys keys) : IXmlEncryptor
{
    public static readonly XName Element = XName.Get("sealedKey", "urn:tunai:master-key");
    public const string IdAttribute = "masterKeyId";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(Seal(keys.Current, plaintextElement), typeof(MasterKeyXmlDecryptor));

    public static XElement Seal(MasterKey key, XElement plaintextElement) =>
        new(Element, new XAttribute(IdAttribute, key.Id), new XAttribute("algorithm", "AES-256-GCM"),
            Convert.ToBase64String(key.Encrypt(Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting)))));

    public static XElement Open(MasterKeys keys, XElement encryptedElement)
    {
        var id = (string?)encryptedElement.Attribute(IdAttribute) ?? "";
        var key = keys.Find(id) ?? throw new CryptographicException(
            $"the secrets in this database were sealed with another master key: key ring sealed by master key {id}, " +
            $"{MasterKeys.Setting} is {keys.Current.Id}; give the master key they were sealed with");
        return XElement.Parse(Encoding.UTF8.GetString(key.Decrypt(Convert.FromBase64String(encryptedElement.Value))));
    }
}

/// <summary>Made by Data Protection from the type named in the stored key, with the application's services.</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        MasterKeyXmlEncryptor.Open(services.GetRequiredService<MasterKeys>(), encryptedElement);
}
