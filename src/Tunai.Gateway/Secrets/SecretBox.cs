using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Tunai.Gateway.Secrets;

/// <summary>
/// Seals the secrets the gateway must keep readable (HMAC needs the key itself, so no hash will do): merchants' and
/// acquirers' secret keys and the sandbox's stored admin token. ASP.NET Core Data Protection (AES-256-CBC with
/// HMAC-SHA256, keys rotated every 90 days and kept to read older values) with its key ring in the database, each key
/// sealed with the operator's master key, so a copy of the database alone gives no secret away. A sealed value reads <c>dp1:</c> and the payload;
/// a value without the prefix is one written before sealing existed, opened as is until the start-up step seals it.
/// </summary>
public sealed class SecretBox(IDataProtectionProvider provider)
{
    private const string Prefix = "dp1:";

    private readonly IDataProtector _protector = provider.CreateProtector("Tunai.Secrets.v1");

    public string Seal(string secret) => Prefix + _protector.Protect(secret);

    public string Open(string stored) => IsSealed(stored) ? _protector.Unprotect(stored[Prefix.Length..]) : stored;

    public static bool IsSealed(string stored) => stored.StartsWith(Prefix, StringComparison.Ordinal);
}

public static class SecretsSetup
{
    /// <summary>
    /// Data Protection with its key ring in the database (<see cref="DatabaseKeyRing"/>), each key sealed with the
    /// master key (<see cref="MasterKeys"/>). Keys are never made on demand (a request's write unit must not wait for
    /// a key's own write): one is made at start when the ring has none, and the next ahead of time by
    /// <see cref="KeyRingKeeper"/>.
    /// </summary>
    public static IServiceCollection AddSecrets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => MasterKeys.Load(configuration, sp.GetRequiredService<TunaiOptions>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<MasterKeys>()));
        services.AddSingleton<DatabaseKeyRing>();
        services.AddDataProtection().SetApplicationName("Tunai");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((o, sp) =>
        {
            // The master key first: these options are made while the app is built (antiforgery asks for Data
            // Protection), and a master key refused by its configuration must stop the start before the key ring's
            // database has made its folder and file.
            o.XmlEncryptor = new MasterKeyXmlEncryptor(sp.GetRequiredService<MasterKeys>());
            o.XmlRepository = sp.GetRequiredService<DatabaseKeyRing>();
            o.AutoGenerateKeys = false;
        });
        services.AddHostedService<KeyRingKeeper>();
        services.AddSingleton<SecretBox>();
        return services;
    }

    /// <summary>
    /// Where versions before the key ring moved into the database kept it: <c>Tunai:Secrets:KeyRingPath</c>, or
    /// <c>keys</c> in the data folder (<see cref="StorageOptions.DataFolder"/>). Its keys are imported at start.
    /// </summary>
    public static string KeyRingPath(IConfiguration configuration, StorageOptions storage) =>
        configuration["Tunai:Secrets:KeyRingPath"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(storage.DataFolder, "keys");
}

/// <summary>Folders and files that hold secrets are created readable and writable by their owner only (0700, 0600).</summary>
public static class OwnerOnly
{
    public static void CreateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        // Every folder created here is the owner's alone, parents included (data/ for data/keys); folders that
        // already exist keep the mode their owner gave them.
        var missing = new Stack<string>();
        for (var at = Path.GetFullPath(folder); !Directory.Exists(at); at = Path.GetDirectoryName(at)!)
        {
            missing.Push(at);
        }
        while (missing.TryPop(out var create))
        {
            Directory.CreateDirectory(create);
            // CreateDirectory applies the umask; set the mode exactly.
            File.SetUnixFileMode(create, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Creates the file empty when missing, with mode 0600, so whatever opens it next (the database, for its file) keeps that mode.</summary>
    public static void CreateFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // another instance created it first
        }
    }
}
