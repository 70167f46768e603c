using Tunai.Gateway.Admin;
using Tunai.Gateway.Merchants;
using Tunai.Gateway.Secrets;

namespace Tunai.Gateway.Acquirers;

/// <summary>The admin API of acquirer connections: one per set of credentials a store network signs with.</summary>
public static class AcquirerEndpoints
{
    public static IEndpointRouteBuilder MapAcquirers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1/acquirers").RequireAdminToken();
        group.MapPost("", Create);
        group.MapPost("/{id}/secret-keys", Rotate);
        group.MapPatch("/{id}", Patch);
        return app;
    }

    private static async Task<IResult> Rotate(string id, HttpContext http, Database database, AcquirerCache acquirers, TunaiOptions options,
        TimeProvider time, SecretBox box)
    {
        var (expiresIn, error) = await SecretKeyRotation.ReadAsync(http.Request, options);
        if (error is not null)
        {
            return error;
        }
        var rotated = await RotateKeyAsync(database, acquirers, box, id, expiresIn, time.GetUtcNow(),
            Tunai.Gateway.Audit.AuditActor.AdminToken(http), http.RequestAborted);
        // The new key is shown in this answer only.
        return rotated is null ? NotFound(id) : WireJson.Ok(AcquirerView.From(rotated, withSecret: true), StatusCodes.Status201Created);
    }

    /// <summary>The rotation, for the admin API and the back office alike; audited with the old key's expiry, never a key.</summary>
    public static Task<Acquirer?> RotateKeyAsync(Database database, AcquirerCache acquirers, SecretBox box, string id, TimeSpan expiresIn,
        DateTimeOffset now, Tunai.Gateway.Audit.AuditActor auditAs, CancellationToken ct) =>
        SecretKeyRotation.RotateAsync(database,
            (unit, oldKeyExpiresAt) => AcquirerStore.RotateAsync(unit.Connection, unit.Transaction, id, Credentials.NewSecretKey(),
                oldKeyExpiresAt.ToUnixTimeMilliseconds(), box),
            acquirers.Changed, "acquirer.rotate_key", id, expiresIn, now, auditAs, ct);

    private static async Task<IResult> Patch(string id, HttpContext http, Database database, AcquirerCache acquirers, TunaiOptions options,
        TimeProvider time, SecretBox box)
    {
        var (document, error) = await RequestBody.ReadObjectAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            var root = document!.RootElement;
            // One PATCH for the connection: its cost (what the store network keeps) or whether it is disabled.
            if (root.TryGetProperty("cost", out _))
            {
                if (root.TryGetProperty("disabled", out _))
                {
                    return ApiError.Validation("disabled", "Send cost and disabled in separate requests");
                }
                return await Fees.AcquirerCostEndpoints.PatchAcquirerCostAsync(id, root, database, time, Audit.AuditActor.AdminToken(http), http.RequestAborted);
            }
            var f = new FieldReader(root);
            var disabled = f.Flag("disabled", required: true);
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            var changed = await database.WriteAsync(async unit =>
            {
                var a = await AcquirerStore.SetDisabledAsync(unit.Connection, unit.Transaction, id,
                    disabled == true ? time.GetUtcNow().ToUnixTimeMilliseconds() : null, box);
                unit.Commit();
                return a;
            }, http.RequestAborted);
            acquirers.Changed();
            return changed is null ? NotFound(id) : WireJson.Ok(AcquirerView.From(changed, withSecret: false));
        }
    }

    private static ApiError NotFound(string id) => ApiError.NotFound("acquirer_not_found", $"No acquirer has id {id}");

    private static Task<IResult> Create(HttpContext http, Database database, TunaiOptions options, TimeProvider time, SecretBox box) =>
        RequestBody.WithFieldsAsync(http, options, async f =>
        {
            var id = f.Text("id", 16, required: true);
            var name = f.Text("name", 128, required: true);
            if (id is not null && !id.All(c => c is >= 'A' and <= 'Z' or >= '0' and <= '9' or '_'))
            {
                f.Fail<string>("id", "id must be upper-case letters, digits or '_' (e.g. ALFA)");
            }
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            var (acquirer, conflict) = await AcquirerStore.CreateAsync(database, time, box, id!, name!, Tunai.Gateway.Audit.AuditActor.AdminToken(http));
            return conflict ?? WireJson.Ok(AcquirerView.From(acquirer!, withSecret: true), StatusCodes.Status201Created);
        });
}
