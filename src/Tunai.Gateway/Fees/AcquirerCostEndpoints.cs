using Tunai.Gateway.Audit;

namespace Tunai.Gateway.Fees;

public sealed record AcquirerCostView(string Id, FeeView Cost);

/// <summary>An acquirer's cost (what the store network keeps of each payment): <c>PATCH /admin/v1/acquirers/{id} {"cost": {...}}</c>.</summary>
public static class AcquirerCostEndpoints
{
    /// <summary>Sets an acquirer's cost from the body of <c>PATCH /admin/v1/acquirers/{id}</c> (read by <c>AcquirerEndpoints</c>).</summary>
    public static async Task<IResult> PatchAcquirerCostAsync(string id, JsonElement root, Database database, TimeProvider time, AuditActor auditAs, CancellationToken ct)
    {
        {
            var f = new FieldReader(root);
            var cost = FeeSchedule.Read(f, root, "cost");
            if (cost is null && f.Error is null)
            {
                f.Fail<FeeSchedule>("cost", "cost is mandatory: {\"fixed\", \"percent\", \"min\", \"max\"}");
            }
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            var found = await database.WriteAsync(async unit =>
            {
                var acquirerId = await unit.Connection.QuerySingleOrDefaultAsync<long?>(
                    "SELECT id FROM acquirers WHERE code = @id", new { id }, unit.Transaction);
                if (acquirerId is null)
                {
                    return false;
                }
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var before = await FeeStore.AcquirerAsync(unit.Connection, acquirerId.Value, unit.Transaction);
                await FeeStore.SetAcquirerAsync(unit.Connection, unit.Transaction, acquirerId.Value, cost!, now);
                await AuditTrail.WriteAsync(unit, auditAs, "acquirer.cost", id, before.ToView(), cost!.ToView(), now);
                unit.Commit();
                return true;
            }, ct);
            return found
                ? WireJson.Ok(new AcquirerCostView(id, cost!.ToView()))
                : ApiError.NotFound("acquirer_not_found", $"No acquirer has id {id}");
        }
    }
}
