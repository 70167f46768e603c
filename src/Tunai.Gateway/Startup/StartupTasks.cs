using Tunai.Gateway.Admin;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Secrets;
using Tunai.Gateway.Acquirers;

namespace Tunai.Gateway.Startup;

/// <summary>
/// What happens once before the gateway listens, in every mode: migrations, the admin token, and in sandbox mode a
/// ready merchant and <c>ALFA</c> acquirer whose credentials are printed (and written to data/sandbox.env) so a
/// newcomer can call the API at once. Several instances may start at the same moment on one database: all of it
/// runs under <see cref="StartupLock"/>, so one does the work and the others find it done, and each step is
/// idempotent on its own as well (a step interrupted by a crash is simply done at the next start).
/// </summary>
public static class StartupTasks
{
    public static async Task InitializeAsync(this WebApplication app)
    {
        var services = app.Services;
        // The options and the master key before anything that writes a file: a start refused by its configuration
        // leaves nothing behind (the database creates its folder and its file when it is made).
        var options = services.GetRequiredService<TunaiOptions>();
        var masterKeys = services.GetRequiredService<MasterKeys>();
        var database = services.GetRequiredService<Database>();
        if (database.Provider == StorageProvider.Sqlite && !Database.SetUpSqliteProcess())
        {
            services.GetRequiredService<ILogger<Database>>().LogWarning(
                "SQLite's memory statistics stay on: something in this process opened a SQLite connection before the gateway set SQLite up, so every allocation takes one shared mutex and writes are slower");
        }
        var time = services.GetRequiredService<TimeProvider>();
        var box = services.GetRequiredService<SecretBox>();
        string? adminToken;
        await using (await StartupLock.AcquireAsync(database, options))
        {
            await services.GetRequiredService<Migrator>().MigrateAsync();
            await PrepareKeyRingAsync(services, masterKeys, box);
            await SealStoredSecretsAsync(database, box, services.GetRequiredService<ILogger<SecretBox>>());
            await Snap.SnapGatewayKey.EnsureAsync(database, box, time);
            adminToken = options.IsSandbox ? await SeedSandboxAsync(options, database, time, box) : options.AdminToken;
        }
        services.GetRequiredService<AdminToken>().Set(adminToken!);
    }

    /// <summary>
    /// The key ring in the database made ready before anything is sealed or opened (see
    /// <see cref="DatabaseKeyRing.PrepareAsync"/>), its first key made under the startup lock so that instances starting
    /// together on a new database agree on one, and one stored secret opened: a ring that cannot open what the
    /// database holds stops the start here, not at a merchant's first request.
    /// </summary>
    private static async Task PrepareKeyRingAsync(IServiceProvider services, MasterKeys masterKeys, SecretBox box)
    {
        var logger = services.GetRequiredService<ILogger<DatabaseKeyRing>>();
        var configuration = services.GetRequiredService<IConfiguration>();
        await services.GetRequiredService<DatabaseKeyRing>().PrepareAsync(masterKeys, SecretsSetup.KeyRingPath(configuration, services.GetRequiredService<TunaiOptions>().Storage), logger);
        DatabaseKeyRing.EnsureKey(services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>(),
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>().Value,
            TimeProvider.System.GetUtcNow(), logger);
        var database = services.GetRequiredService<Database>();
        await using var connection = await database.OpenAsync();
        var stored = await connection.QueryFirstOrDefaultAsync<string>(
            "SELECT secret_key FROM merchants WHERE secret_key LIKE 'dp1:%' UNION ALL SELECT secret_key FROM acquirers WHERE secret_key LIKE 'dp1:%' " +
            "UNION ALL SELECT value FROM gateway_settings WHERE key = 'sandbox_admin_token' AND value LIKE 'dp1:%' LIMIT 1");
        if (stored is null)
        {
            return;
        }
        try
        {
            box.Open(stored);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new StartupException(
                $"the secrets in this database were sealed with another master key: they do not open with the key ring in the database ({e.Message.TrimEnd('.')}); " +
                $"give the master key they were sealed with ({MasterKeys.Setting}), or, for secrets sealed by a version that kept its key ring in a folder, " +
                "start once with Tunai:Secrets:KeyRingPath naming that folder so its keys are imported");
        }
    }

    /// <summary>
    /// Secrets written in clear by a gateway from before sealing existed (merchants' and acquirers' keys, the sandbox
    /// admin token) are sealed in place, once: rows already sealed are left alone, so every later start does nothing.
    /// </summary>
    private static async Task SealStoredSecretsAsync(Database database, SecretBox box, ILogger logger)
    {
        var sealedCount = await database.WriteAsync(async unit =>
        {
            var (c, tx) = (unit.Connection, unit.Transaction);
            var count = await MerchantStore.SealStoredSecretsAsync(c, tx, box, "merchants")
                + await MerchantStore.SealStoredSecretsAsync(c, tx, box, "acquirers");
            var token = await c.QuerySingleOrDefaultAsync<string>(
                "SELECT value FROM gateway_settings WHERE key = 'sandbox_admin_token'", transaction: tx);
            if (token is not null && !SecretBox.IsSealed(token))
            {
                count += await c.ExecuteAsync(
                    "UPDATE gateway_settings SET value = @sealed WHERE key = 'sandbox_admin_token' AND value = @token",
                    new { token, @sealed = box.Seal(token) }, tx);
            }
            unit.Commit();
            return count;
        });
        if (sealedCount > 0)
        {
            logger.LogInformation("Sealed {Count} secrets stored in clear by an earlier version", sealedCount);
        }
    }

    /// <summary>The sandbox's admin token, merchant and acquirer: created when missing, printed either way.</summary>
    private static async Task<string> SeedSandboxAsync(TunaiOptions options, Database database, TimeProvider time, SecretBox box)
    {
        var adminToken = options.AdminToken;
        await using var connection = await database.OpenAsync();
        if (string.IsNullOrWhiteSpace(adminToken))
        {
            // Kept in the database so the token stays the same across restarts of the sandbox.
            await connection.ExecuteAsync(
                "INSERT INTO gateway_settings (key, value) VALUES ('sandbox_admin_token', @token) ON CONFLICT (key) DO NOTHING",
                new { token = box.Seal(Credentials.NewAdminToken()) });
            adminToken = box.Open(await connection.QuerySingleAsync<string>(
                "SELECT value FROM gateway_settings WHERE key = 'sandbox_admin_token'"));
        }
        if (await connection.QuerySingleOrDefaultAsync<string>(
                "SELECT value FROM gateway_settings WHERE key = 'sandbox_client_id'") is null)
        {
            var (merchant, error) = await CreateMerchant.RunAsync(database, time, options, box,
                new CreateMerchant.NewMerchant("Sandbox Merchant", null, null, null, null, null), auditAs: null, CancellationToken.None);
            if (error is not null)
            {
                throw new InvalidOperationException($"Could not create the sandbox merchant: {error.Message}");
            }
            await connection.ExecuteAsync(
                "INSERT INTO gateway_settings (key, value) VALUES ('sandbox_client_id', @id) ON CONFLICT (key) DO NOTHING",
                new { id = merchant!.ClientId });
        }
        if (await AcquirerStore.FindByCodeAsync(connection, "ALFA", box) is null)
        {
            // An existing ALFA (acquirer_exists) is what this step wants, not a failure.
            await AcquirerStore.CreateAsync(database, time, box, "ALFA", "Alfa Group (sandbox)");
        }
        var acquirer = await AcquirerStore.FindByCodeAsync(connection, "ALFA", box);
        var clientId = await connection.QuerySingleOrDefaultAsync<string>(
            "SELECT value FROM gateway_settings WHERE key = 'sandbox_client_id'");
        var sandboxMerchant = clientId is null ? null : await MerchantStore.FindAsync(connection, clientId, box: box);
        var (operatorEmail, operatorPassword) = await SandboxOperator.EnsureAsync(database, time, SandboxEnvFile(options));
        if (sandboxMerchant is not null && acquirer is not null)
        {
            var snapKeys = await SandboxSnapKeys.EnsureAsync(database, sandboxMerchant, Path.GetDirectoryName(SandboxEnvFile(options))!);
            PrintSandbox(options, sandboxMerchant, acquirer, adminToken!, operatorEmail, operatorPassword, snapKeys);
        }
        return adminToken!;
    }

    /// <summary>data/sandbox.env, in the data folder (<see cref="StorageOptions.DataFolder"/>).</summary>
    public static string SandboxEnvFile(TunaiOptions options) => Path.Combine(options.Storage.DataFolder, "sandbox.env");

    /// <summary>
    /// Writes a file readable by the owner only (it holds secrets), beside and renamed into place, so whoever reads it
    /// never sees half a file, even while gateways starting side by side (one database server, one working folder)
    /// write it at once.
    /// </summary>
    public static void WriteOwnerOnly(string path, string content)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(temporary, new System.Text.UTF8Encoding(false), fileOptions))
        {
            writer.Write(content);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void PrintSandbox(TunaiOptions options, Merchant merchant, Acquirer acquirer, string adminToken,
        string operatorEmail, string? operatorPassword, SandboxSnapKeys.Files snapKeys)
    {
        var envFile = SandboxEnvFile(options);
        Directory.CreateDirectory(Path.GetDirectoryName(envFile)!);
        // The password is known when it was just made or read back from this file and still opens the account;
        // otherwise it was changed (or the file lost) and only its hash exists.
        var passwordLine = operatorPassword is null
            ? $"# {SandboxOperator.PasswordVariable}: changed in the back office, or lost with this file (tunai operators add --email ... --role Admin makes another Admin)"
            : $"export {SandboxOperator.PasswordVariable}={operatorPassword}";
        WriteOwnerOnly(envFile,
                $"""
                # Tunai sandbox credentials (sandbox mode only). Use: source {envFile}
                export TUNAI_CLIENT_ID={merchant.ClientId}
                export TUNAI_SECRET_KEY={merchant.SecretKey}
                export TUNAI_CODE_PREFIX={merchant.CodePrefix}
                export TUNAI_ADMIN_TOKEN={adminToken}
                export TUNAI_ACQUIRER_CLIENT_ID={acquirer.ClientId}
                export TUNAI_ACQUIRER_SECRET_KEY={acquirer.SecretKey}
                export TUNAI_OPERATOR_EMAIL={operatorEmail}
                {passwordLine}
                export {SandboxSnapKeys.PrivateKeyVariable}={snapKeys.PrivateKeyFile}
                export {SandboxSnapKeys.GatewayPublicKeyVariable}={snapKeys.GatewayPublicKeyFile}

                """);
        if (!options.PrintSandboxCredentials)
        {
            return;
        }
        // Straight to the console, not to the log: secrets never go through logging.
        Console.WriteLine(
            $"""

            Tunai sandbox is ready.

              Merchant "{merchant.Name}"
              Client-Id    {merchant.ClientId}
              Secret key   {merchant.SecretKey}
              Code prefix  {merchant.CodePrefix}
              Admin token  {adminToken}

              Store (acquirer ALFA, for the POS simulator)
              Client-Id    {acquirer.ClientId}
              Secret key   {acquirer.SecretKey}

              Back office  http://<this gateway>/backoffice
              Email        {operatorEmail}
              Password     {operatorPassword ?? "(changed there, or lost with data/sandbox.env)"}
              (also in {envFile})

            """);
    }
}
