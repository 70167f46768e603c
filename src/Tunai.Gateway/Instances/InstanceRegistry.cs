using System.Diagnostics;
using Tunai.Gateway.Notifications;

namespace Tunai.Gateway.Instances;

/// <summary>
/// Who is alive. Each instance registers itself at start, renews its heartbeat every
/// <c>Tunai:Instances:HeartbeatInterval</c> (in the database's clock), and looks for instances that are dead: a
/// heartbeat older than <c>DeadAfter</c>, or, on this host, a process that no longer exists (so a restarted gateway
/// takes over what its previous life held at once instead of waiting out the heartbeat). A dead instance's row is
/// deleted by one conditional statement (the instance that deletes it is the one that takes over) and the
/// notification leases it held are given back in the same unit, to be claimed by any live worker. A clean shutdown
/// gives its own leases back (see <see cref="NotificationWorker"/>) and deregisters.
/// </summary>
/// <remarks>
/// Registered before the notification worker, so it starts before it (the previous life's rows are free before
/// the first claim) and stops after it (the worker gives its leases back first).
/// </remarks>
public sealed class InstanceRegistry(
    Database database,
    GatewayInstance instance,
    TunaiOptions options,
    NotificationSignal signal,
    ILogger<InstanceRegistry> logger) : BackgroundService
{
    private sealed class Registered
    {
        public string Id { get; init; } = "";
        public string Host { get; init; } = "";
        public long ProcessId { get; init; }
        public long HeartbeatAt { get; init; }
        public long Now { get; init; }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.WriteAsync(async unit =>
        {
            await unit.Connection.ExecuteAsync(
                $"""
                INSERT INTO gateway_instances (id, host, process_id, started_at, heartbeat_at)
                VALUES (@Id, @Host, @ProcessId, {database.NowMillis}, {database.NowMillis})
                """, new { instance.Id, instance.Host, instance.ProcessId }, unit.Transaction);
            unit.Commit();
            return 0;
        }, cancellationToken);
        await TakeOverDeadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The database away: beats further apart, but never more than half of DeadAfter, so that once it is back this
        // instance renews its heartbeat before the others take it for dead.
        var beats = new Backoff(options.Instances.HeartbeatInterval, options.Instances.DeadAfter / 2, logger, "Instance heartbeat");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Liveness is the machine's time, not business time (tests move a fake clock for the latter).
                await Task.Delay(beats.Pause, TimeProvider.System, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            try
            {
                await HeartbeatAsync(stoppingToken);
                await TakeOverDeadAsync(stoppingToken);
                beats.Succeeded();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                beats.Failed(e);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await database.WriteAsync(async unit =>
            {
                // Anything still leased to this instance (its worker could not give it back) is freed with it.
                await NotificationStore.ReleaseLeasesOfAsync(unit, instance.Id);
                await unit.Connection.ExecuteAsync("DELETE FROM gateway_instances WHERE id = @Id", new { instance.Id }, unit.Transaction);
                unit.Commit();
                return 0;
            }, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Instance {Instance} was not deregistered; others take over once its heartbeat is old", instance.Id);
        }
    }

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        var renewed = await database.WriteAsync(async unit =>
        {
            var rows = await unit.Connection.ExecuteAsync(
                $"UPDATE gateway_instances SET heartbeat_at = {database.NowMillis} WHERE id = @Id", new { instance.Id }, unit.Transaction);
            if (rows == 0)
            {
                // Declared dead while alive (a pause longer than DeadAfter): its leases were given to others, which
                // may now deliver what this one holds too; merchants drop such duplicates by Request-Id.
                await unit.Connection.ExecuteAsync(
                    $"""
                    INSERT INTO gateway_instances (id, host, process_id, started_at, heartbeat_at)
                    VALUES (@Id, @Host, @ProcessId, {database.NowMillis}, {database.NowMillis})
                    """, new { instance.Id, instance.Host, instance.ProcessId }, unit.Transaction);
            }
            unit.Commit();
            return rows;
        }, ct);
        if (renewed == 0)
        {
            logger.LogWarning("Instance {Instance} had been declared dead (heartbeat older than {DeadAfter}); registered again",
                instance.Id, options.Instances.DeadAfter);
        }
    }

    /// <summary>Frees what dead instances held; wakes this instance's worker when anything was freed.</summary>
    private async Task TakeOverDeadAsync(CancellationToken ct)
    {
        List<Registered> others;
        await using (var connection = await database.OpenAsync(ct))
        {
            others = (await connection.QueryAsync<Registered>(
                $"""
                SELECT id AS Id, host AS Host, process_id AS ProcessId, heartbeat_at AS HeartbeatAt, {database.NowMillis} AS Now
                FROM gateway_instances WHERE id <> @Id
                """,
                new { instance.Id })).ToList();
        }
        var deadAfter = (long)options.Instances.DeadAfter.TotalMilliseconds;
        var dead = others.Where(o => o.Now - o.HeartbeatAt > deadAfter || (o.Host == instance.Host && !ProcessExists(o.ProcessId))).ToList();
        if (dead.Count == 0)
        {
            return;
        }
        var freed = 0;
        foreach (var gone in dead)
        {
            var (deleted, released) = await database.WriteAsync(async unit =>
            {
                // Deleted only as seen: an instance that renewed its heartbeat since is alive after all. The
                // instance whose DELETE counts 1 is the one taking over.
                var deleted = await unit.Connection.ExecuteAsync(
                    "DELETE FROM gateway_instances WHERE id = @Id AND heartbeat_at = @HeartbeatAt", new { gone.Id, gone.HeartbeatAt }, unit.Transaction);
                var released = deleted == 1 ? await NotificationStore.ReleaseLeasesOfAsync(unit, gone.Id) : 0;
                unit.Commit();
                return (deleted, released);
            }, ct);
            if (deleted == 0)
            {
                continue; // alive after all, or another instance took over first
            }
            freed += released;
            logger.LogInformation("Instance {Instance} is dead (last heartbeat {Age} ms ago); its notification leases are taken over",
                gone.Id, gone.Now - gone.HeartbeatAt);
        }
        if (freed > 0)
        {
            logger.LogInformation("Took over {Count} notifications from dead instances", freed);
            signal.Wake();
        }
    }

    private static bool ProcessExists(long processId)
    {
        try
        {
            using var process = Process.GetProcessById((int)processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
