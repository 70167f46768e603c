using System.Text.RegularExpressions;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.Settlement;

/// <summary>What every account of a merchant has: an id of the merchant's choosing, and a life from registration to deactivation.</summary>
public abstract record MerchantAccount
{
    public long Id { get; init; }
    public long MerchantId { get; init; }
    public required string AccountId { get; init; }
    public bool Active { get; init; }
    public long CreatedAt { get; init; }
    public long? DeactivatedAt { get; init; }

    protected string CreatedAtWire => WireTime(CreatedAt);

    protected string? DeactivatedAtWire => DeactivatedAt is { } d ? WireTime(d) : null;

    private static string WireTime(long ms) => Tunai.Signing.Signature.FormatTimestamp(DateTimeOffset.FromUnixTimeMilliseconds(ms));
}

/// <summary>A merchant's bank account that settlement splits pay into (<c>bank_account_settlement_id</c> of a code).</summary>
public sealed record SettlementAccount : MerchantAccount
{
    public required string BankCode { get; init; }
    public required string AccountNumber { get; init; }
    public required string AccountName { get; init; }

    public SettlementAccountView ToView() => new(AccountId, BankCode, AccountNumber, AccountName, Active, CreatedAtWire, DeactivatedAtWire);
}

/// <summary>A merchant's sub-account (<c>additional_info.account.id</c> of a code): what is left of a payment's net goes there.</summary>
public sealed record SubAccount : MerchantAccount
{
    public required string Name { get; init; }

    public SubAccountView ToView() => new(AccountId, Name, Active, CreatedAtWire, DeactivatedAtWire);
}

public sealed record SettlementAccountView(string Id, string BankCode, string AccountNumber, string AccountName, bool Active, string CreatedAt, string? DeactivatedAt);

public sealed record SettlementAccountList(IReadOnlyList<SettlementAccountView> Items);

public sealed record SubAccountView(string Id, string Name, bool Active, string CreatedAt, string? DeactivatedAt);

public sealed record SubAccountList(IReadOnlyList<SubAccountView> Items);

public static class AccountStore
{
    private const string SettlementColumns = "id, merchant_id, account_id, bank_code, account_number, account_name, active, created_at, deactivated_at";
    private const string SubColumns = "id, merchant_id, account_id, name, active, created_at, deactivated_at";

    /// <summary>Null when the merchant already has an account with this id (the unique key decides).</summary>
    public static Task<SettlementAccount?> InsertSettlementAsync(DbConnection c, DbTransaction tx, SettlementAccount a) =>
        c.QuerySingleOrDefaultAsync<SettlementAccount>(
            $"""
            INSERT INTO settlement_accounts (merchant_id, account_id, bank_code, account_number, account_name, active, created_at)
            VALUES (@MerchantId, @AccountId, @BankCode, @AccountNumber, @AccountName, 1, @CreatedAt)
            ON CONFLICT (merchant_id, account_id) DO NOTHING
            RETURNING {SettlementColumns}
            """, a, tx);

    public static Task<SubAccount?> InsertSubAsync(DbConnection c, DbTransaction tx, SubAccount a) =>
        c.QuerySingleOrDefaultAsync<SubAccount>(
            $"""
            INSERT INTO sub_accounts (merchant_id, account_id, name, active, created_at)
            VALUES (@MerchantId, @AccountId, @Name, 1, @CreatedAt)
            ON CONFLICT (merchant_id, account_id) DO NOTHING
            RETURNING {SubColumns}
            """, a, tx);

    public static Task<IReadOnlyList<SettlementAccount>> SettlementAccountsAsync(DbConnection c, long merchantId, DbTransaction? tx = null) =>
        ListAsync<SettlementAccount>(c, "settlement_accounts", SettlementColumns, merchantId, tx);

    public static Task<IReadOnlyList<SubAccount>> SubAccountsAsync(DbConnection c, long merchantId, DbTransaction? tx = null) =>
        ListAsync<SubAccount>(c, "sub_accounts", SubColumns, merchantId, tx);

    public static Task<SettlementAccount?> DeactivateSettlementAsync(DbConnection c, DbTransaction tx, long merchantId, string accountId, long now) =>
        DeactivateAsync<SettlementAccount>(c, tx, "settlement_accounts", SettlementColumns, merchantId, accountId, now);

    public static Task<SubAccount?> DeactivateSubAsync(DbConnection c, DbTransaction tx, long merchantId, string accountId, long now) =>
        DeactivateAsync<SubAccount>(c, tx, "sub_accounts", SubColumns, merchantId, accountId, now);

    private static async Task<IReadOnlyList<T>> ListAsync<T>(DbConnection c, string table, string columns, long merchantId, DbTransaction? tx) =>
        (await c.QueryAsync<T>($"SELECT {columns} FROM {table} WHERE merchant_id = @merchantId ORDER BY id", new { merchantId }, tx)).ToList();

    /// <summary>Deactivates; the row as it is afterwards (already inactive: unchanged), null when unknown.</summary>
    private static Task<T?> DeactivateAsync<T>(DbConnection c, DbTransaction tx, string table, string columns, long merchantId, string accountId, long now) =>
        c.QuerySingleOrDefaultAsync<T>(
            $"""
            UPDATE {table} SET active = 0, deactivated_at = COALESCE(deactivated_at, @now)
            WHERE merchant_id = @merchantId AND account_id = @accountId
            RETURNING {columns}
            """, new { merchantId, accountId, now }, tx);
}

/// <summary>
/// The back office's settlement accounts and sub-accounts of a merchant:
/// <c>/admin/v1/merchants/{client_id}/settlement-accounts</c> and <c>.../sub-accounts</c>, each with POST
/// (register), GET (list) and <c>POST .../{id}/deactivate</c>. Accounts are never deleted: payments posted to
/// them stay explained.
/// </summary>
public static partial class AccountEndpoints
{
    /// <summary>
    /// What a settlement account and a sub-account differ in: their name, their SQL and their view. Registering,
    /// listing and deactivating are the same for both.
    /// </summary>
    private sealed record Kind<TAccount, TView>(
        string Noun,
        string AuditName,
        Func<DbConnection, DbTransaction, TAccount, Task<TAccount?>> Insert,
        Func<DbConnection, long, DbTransaction?, Task<IReadOnlyList<TAccount>>> List,
        Func<DbConnection, DbTransaction, long, string, long, Task<TAccount?>> Deactivate,
        Func<TAccount, TView> View)
        where TAccount : MerchantAccount;

    private static readonly Kind<SettlementAccount, SettlementAccountView> SettlementAccounts = new("settlement account", "settlement_account",
        AccountStore.InsertSettlementAsync, AccountStore.SettlementAccountsAsync, AccountStore.DeactivateSettlementAsync, a => a.ToView());

    private static readonly Kind<SubAccount, SubAccountView> SubAccounts = new("sub-account", "sub_account",
        AccountStore.InsertSubAsync, AccountStore.SubAccountsAsync, AccountStore.DeactivateSubAsync, a => a.ToView());

    public static RouteGroupBuilder MapAccounts(this RouteGroupBuilder merchant)
    {
        MapKind(merchant, "/settlement-accounts", CreateSettlement, ListSettlement, DeactivateSettlement);
        MapKind(merchant, "/sub-accounts", CreateSub, ListSub, DeactivateSub);
        return merchant;
    }

    /// <summary>One kind's routes: register (POST), list (GET) and deactivate one.</summary>
    private static void MapKind(RouteGroupBuilder merchant, string path, Delegate create, Delegate list, Delegate deactivate)
    {
        merchant.MapPost(path, create);
        merchant.MapGet(path, list);
        merchant.MapPost(path + "/{accountId}/deactivate", deactivate);
    }

    private static Task<IResult> ListSettlement(string clientId, HttpContext http, Database database) =>
        ListAsync(clientId, http, database, SettlementAccounts, views => new SettlementAccountList(views));

    private static Task<IResult> ListSub(string clientId, HttpContext http, Database database) =>
        ListAsync(clientId, http, database, SubAccounts, views => new SubAccountList(views));

    private static Task<IResult> DeactivateSettlement(string clientId, string accountId, HttpContext http, Database database, TimeProvider time) =>
        DeactivateAsync(clientId, accountId, http, database, time, SettlementAccounts);

    private static Task<IResult> DeactivateSub(string clientId, string accountId, HttpContext http, Database database, TimeProvider time) =>
        DeactivateAsync(clientId, accountId, http, database, time, SubAccounts);

    private static Task<IResult> CreateSettlement(string clientId, HttpContext http, Database database, TunaiOptions options, TimeProvider time) =>
        RequestBody.WithFieldsAsync(http, options, async f =>
        {
            var id = Id(f);
            var bank = f.Text("bank_code", 11, required: true);
            var number = f.Text("account_number", 34, required: true);
            var name = f.Text("account_name", 128, required: true);
            if (bank is not null && !BankCode().IsMatch(bank))
            {
                f.Fail<string>("bank_code", "bank_code must be 3 to 11 letters or digits (e.g. 014)");
            }
            if (number is not null && !number.All(char.IsAsciiDigit))
            {
                f.Fail<string>("account_number", "account_number must contain digits only");
            }
            return f.Error ?? await RegisterAsync(clientId, id!, http, database, SettlementAccounts, merchantId => new SettlementAccount
            {
                MerchantId = merchantId,
                AccountId = id!,
                BankCode = bank!,
                AccountNumber = number!,
                AccountName = name!,
                CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
            });
        });

    private static Task<IResult> CreateSub(string clientId, HttpContext http, Database database, TunaiOptions options, TimeProvider time) =>
        RequestBody.WithFieldsAsync(http, options, async f =>
        {
            var id = Id(f);
            var name = f.Text("name", 128, required: true);
            return f.Error ?? await RegisterAsync(clientId, id!, http, database, SubAccounts, merchantId => new SubAccount
            {
                MerchantId = merchantId,
                AccountId = id!,
                Name = name!,
                CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
            });
        });

    /// <summary>Registers the account under the merchant; an id the merchant already has is refused (the unique key decides).</summary>
    private static Task<IResult> RegisterAsync<TAccount, TView>(string clientId, string id, HttpContext http, Database database,
        Kind<TAccount, TView> kind, Func<long, TAccount> account)
        where TAccount : MerchantAccount =>
        database.WriteAsync<IResult>(async unit =>
        {
            if (await MerchantStore.FindAsync(unit.Connection, clientId, unit.Transaction) is not { } merchant)
            {
                return MerchantNotFound(clientId);
            }
            var inserted = await kind.Insert(unit.Connection, unit.Transaction, account(merchant.Id));
            if (inserted is null)
            {
                return new ApiError(StatusCodes.Status409Conflict, "account_exists", $"The merchant already has a {kind.Noun} {id}", "id");
            }
            var view = kind.View(inserted);
            await AuditTrail.WriteAsync(unit, AuditActor.AdminToken(http), $"{kind.AuditName}.create", $"{clientId}/{id}", null, view, inserted.CreatedAt);
            unit.Commit();
            return WireJson.Ok(view, StatusCodes.Status201Created);
        }, http.RequestAborted);

    private static async Task<IResult> ListAsync<TAccount, TView, TList>(string clientId, HttpContext http, Database database,
        Kind<TAccount, TView> kind, Func<IReadOnlyList<TView>, TList> list)
        where TAccount : MerchantAccount
    {
        await using var connection = await database.OpenAsync(http.RequestAborted);
        return await MerchantStore.FindAsync(connection, clientId) is { } merchant
            ? WireJson.Ok(list((await kind.List(connection, merchant.Id, null)).Select(kind.View).ToList()))
            : MerchantNotFound(clientId);
    }

    private static Task<IResult> DeactivateAsync<TAccount, TView>(string clientId, string accountId, HttpContext http, Database database,
        TimeProvider time, Kind<TAccount, TView> kind)
        where TAccount : MerchantAccount =>
        database.WriteAsync<IResult>(async unit =>
        {
            if (await MerchantStore.FindAsync(unit.Connection, clientId, unit.Transaction) is not { } merchant)
            {
                return MerchantNotFound(clientId);
            }
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var before = (await kind.List(unit.Connection, merchant.Id, unit.Transaction)).FirstOrDefault(a => a.AccountId == accountId);
            var account = await kind.Deactivate(unit.Connection, unit.Transaction, merchant.Id, accountId, now);
            if (account is not null)
            {
                await AuditTrail.WriteAsync(unit, AuditActor.AdminToken(http), $"{kind.AuditName}.deactivate", $"{clientId}/{accountId}",
                    before is null ? null : (object?)kind.View(before), kind.View(account), now);
            }
            unit.Commit();
            return account is null
                ? ApiError.NotFound("account_not_found", $"The merchant has no {kind.Noun} {accountId}")
                : WireJson.Ok(kind.View(account));
        }, http.RequestAborted);

    private static string? Id(FieldReader f)
    {
        var id = f.Text("id", 64, required: true);
        if (id is not null && !AccountId().IsMatch(id))
        {
            return f.Fail<string>("id", "id may hold letters, digits, '-' and '_' only (e.g. SBA-0001-123123123)");
        }
        return id;
    }

    internal static ApiError MerchantNotFound(string clientId) => ApiError.NotFound("merchant_not_found", $"No merchant has Client-Id {clientId}");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex AccountId();

    [GeneratedRegex("^[A-Za-z0-9]{3,11}$")]
    private static partial Regex BankCode();
}
