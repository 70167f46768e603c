using Tunai.Gateway.Notifications;
using Tunai.Gateway.Audit;

namespace Tunai.Gateway.BackOffice;

/// <summary>The back office's replays: the notification feature's own calls, with the audit entry in the same unit.</summary>
public static class Replays
{
    public static Task<NotificationEndpoints.ReplayOutcome> ReplayOneAsync(
        Database database, AuditActor actor, string notificationId, long? scope, long now, CancellationToken ct) =>
        database.WriteAsync(async unit =>
        {
            var outcome = await NotificationEndpoints.ReplayOneAsync(unit, notificationId, scope, now);
            if (outcome == NotificationEndpoints.ReplayOutcome.Queued)
            {
                await AuditTrail.WriteAsync(unit, actor, "notification.replay", notificationId, null, null, now);
                unit.Commit();
            }
            return outcome;
        }, ct);

    public static (string? Message, string? Error) Describe(NotificationEndpoints.ReplayOutcome outcome, Func<string, string, string> t) => outcome switch
    {
        NotificationEndpoints.ReplayOutcome.Queued => (t("The notification is being sent again.", "Notifikasi sedang dikirim ulang."), null),
        NotificationEndpoints.ReplayOutcome.InProgress => (null, t("It is being delivered right now; try again in a moment.", "Sedang dikirim; coba lagi sebentar.")),
        _ => (null, t("Not found.", "Tidak ditemukan.")),
    };
}
