using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Tunai.Gateway.Startup;

namespace Tunai.Gateway.Secrets;

/// <summary>
/// Data Protection's key ring, kept in the database (<c>data_protection_keys</c>) so that every instance on one
/// database sees the same keys with no shared folder. Data Protection hands each key here with its secret part
/// already sealed by <see cref="MasterKeyXmlEncryptor"/>; the row records which master key sealed it.
/// </summary>
public sealed class DatabaseKeyRing(Database database, TimeProvider time) : IXmlRepository
{
    /// <summary>Data Protection's namespace, and the element it puts in place of a secret part an encryptor sealed.</summary>
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName EncryptedSecret = DataProtection + "encryptedSecret";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";

    // Data Protection's interface is synchronous; it is called when the ring is loaded or a key is made (at start
    // and by the keeper, never inside a write unit: keys are not made on demand, see SecretsSetup).
    public IReadOnlyCollection<XElement> GetAllElements() =>
        ReadAllAsync().GetAwaiter().GetResult().Select(row => XElement.Parse(row.Xml)).ToList();

    public void StoreElement(XElement element, string friendlyName) =>
        InsertAsync(friendlyName, element).GetAwaiter().GetResult();

    private async Task<List<(string Name, string Xml, string? MasterKeyId)>> ReadAllAsync()
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<(string, string, string?)>(
            "SELECT name, xml, master_key_id FROM data_protection_keys ORDER BY created_at, name")).ToList();
    }

    private Task<int> InsertAsync(string name, XElement element) => database.WriteAsync(async unit =>
    {
        var rows = await unit.Connection.ExecuteAsync(
            "INSERT INTO data_protection_keys (name, xml, master_key_id, created_at) VALUES (@name, @xml, @masterKeyId, @now) ON CONFLICT (name) DO NOTHING",
            new { name, xml = element.ToString(SaveOptions.DisableFormatting), masterKeyId = MasterKeyIdOf(element), now = time.GetUtcNow().ToUnixTimeMilliseconds() },
            unit.Transaction);
        unit.Commit();
        return rows;
    });

    private static string? MasterKeyIdOf(XElement element) =>
        element.Descendants(MasterKeyXmlEncryptor.Element).Select(e => (string?)e.Attribute(MasterKeyXmlEncryptor.IdAttribute)).FirstOrDefault();

    /// <summary>
    /// Before Data Protection reads the ring, under the startup lock: a key ring folder of an earlier version is
    /// imported (each key sealed with the master key on the way in), keys sealed with the previous master key are
    /// sealed again with the current one, and a ring sealed with a master key that was not given stops the start.
    /// </summary>
    public async Task PrepareAsync(MasterKeys keys, string folder, ILogger logger)
    {
        var imported = await ImportFolderAsync(keys, folder);
        if (imported > 0)
        {
            logger.LogInformation("Imported {Count} Data Protection keys from the key ring folder {Folder} into the database; " +
                "the folder is no longer read and can be removed once every instance runs this version", imported, folder);
        }
        var rows = await ReadAllAsync();
        if (keys.Previous is { } previous)
        {
            var resealed = 0;
            foreach (var row in rows.Where(r => r.MasterKeyId == previous.Id))
            {
                resealed += await ResealAsync(keys, row.Name, row.Xml);
            }
            if (resealed > 0)
            {
                logger.LogInformation("Sealed {Count} Data Protection keys again with the master key {Current} (they were sealed with {Previous})",
                    resealed, keys.Current.Id, previous.Id);
            }
            rows = await ReadAllAsync();
        }
        if (rows.Select(r => r.MasterKeyId).OfType<string>().FirstOrDefault(id => keys.Find(id) is null) is { } other)
        {
            throw new StartupException(
                $"the secrets in this database were sealed with another master key: its key ring was sealed with master key {other}, " +
                $"and {MasterKeys.Setting} is {keys.Current.Id}; give that master key " +
                $"(or, while replacing it, give it as {MasterKeys.PreviousSetting})");
        }
    }

    /// <summary>Keys from the folder an earlier version kept its ring in; those already in the database are left alone.</summary>
    private async Task<int> ImportFolderAsync(MasterKeys keys, string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        var imported = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "key-*.xml").Order(StringComparer.Ordinal))
        {
            var element = XElement.Load(file);
            // Written with no encryptor (as the earlier version did): the parts Data Protection marks as secret are
            // sealed now, as it would have sealed them through MasterKeyXmlEncryptor.
            foreach (var secret in element.Descendants().Where(e => (string?)e.Attribute(RequiresEncryption) == "true").ToList())
            {
                secret.ReplaceWith(new XElement(EncryptedSecret,
                    new XAttribute("decryptorType", typeof(MasterKeyXmlDecryptor).AssemblyQualifiedName!),
                    MasterKeyXmlEncryptor.Seal(keys.Current, secret)));
            }
            imported += await InsertAsync(Path.GetFileNameWithoutExtension(file), element);
        }
        return imported;
    }

    /// <summary>One key's secret part opened with the previous master key and sealed with the current one; 0 if another instance did it first.</summary>
    private Task<int> ResealAsync(MasterKeys keys, string name, string xml)
    {
        var element = XElement.Parse(xml);
        foreach (var sealedKey in element.Descendants(MasterKeyXmlEncryptor.Element).ToList())
        {
            sealedKey.ReplaceWith(MasterKeyXmlEncryptor.Seal(keys.Current, MasterKeyXmlEncryptor.Open(keys, sealedKey)));
        }
        return database.WriteAsync(async unit =>
        {
            var rows = await unit.Connection.ExecuteAsync(
                "UPDATE data_protection_keys SET xml = @xml, master_key_id = @id WHERE name = @name AND xml = @old",
                new { xml = element.ToString(SaveOptions.DisableFormatting), id = keys.Current.Id, name, old = xml }, unit.Transaction);
            unit.Commit();
            return rows;
        });
    }

    /// <summary>
    /// Makes a key when the ring needs one: now when no key is active (a new database), and ahead of time when the
    /// newest expires within two weeks, activating two days later so that every instance has read it (rings are
    /// read again at least daily) before any seals with it.
    /// </summary>
    public static void EnsureKey(IKeyManager keys, KeyManagementOptions options, DateTimeOffset now, ILogger logger)
    {
        var usable = keys.GetAllKeys().Where(k => !k.IsRevoked && k.ExpirationDate > now).ToList();
        if (!usable.Any(k => k.ActivationDate <= now))
        {
            keys.CreateNewKey(now, now + options.NewKeyLifetime);
            logger.LogInformation("Created a Data Protection key in the database's key ring");
        }
        else if (usable.Max(k => k.ExpirationDate) < now + TimeSpan.FromDays(14))
        {
            var activation = now + TimeSpan.FromDays(2);
            keys.CreateNewKey(activation, activation + options.NewKeyLifetime);
            logger.LogInformation("Created the next Data Protection key, active from {Activation:u}", activation);
        }
    }
}

/// <summary>Makes the ring's next key ahead of time (see <see cref="DatabaseKeyRing.EnsureKey"/>), a few times a day.</summary>
public sealed class KeyRingKeeper(IKeyManager keys, IOptions<KeyManagementOptions> options, ILogger<KeyRingKeeper> logger)
    : BackgroundService
{
    // Data Protection judges keys by the machine's clock (not an injected TimeProvider), so this does too.
    private static readonly TimeProvider Clock = TimeProvider.System;

    private static readonly TimeSpan Interval = TimeSpan.FromHours(6);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, Clock, stoppingToken);
                DatabaseKeyRing.EnsureKey(keys, options.Value, Clock.GetUtcNow(), logger);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database away for a while, say: the current key keeps working, and this is tried again at the
                // next round rather than stopping the gateway.
                logger.LogWarning(e, "Could not check the Data Protection key ring");
            }
        }
    }
}
