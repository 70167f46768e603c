using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Tunai.Gateway.Tests.Infrastructure;
using Tunai.Signing;

namespace Tunai.Chaos;

/// <summary>A store payment as the till saw it: its ids, and the answer it finally got (after as many resends as it took).</summary>
internal sealed class TillPayment(string trxId, string code, ChaosMerchant merchant, long amount, string requestId)
{
    public string TrxId => trxId;

    public string Code => code;

    public ChaosMerchant Merchant => merchant;

    public long Amount => amount;

    public string RequestId => requestId;

    /// <summary>
    /// The business day (WIB) a little before the payment was sent: a reversal is sent only while it is still that day a
    /// little after (<see cref="SameDay"/>), so no reversal lands on the day after its payment, whose settlement would
    /// carry a negative line forward into a batch the run never closes.
    /// </summary>
    public string Day { get; } = Tunai.Gateway.Ledger.Journal.BusinessDate(DateTimeOffset.UtcNow.Add(-Margin).ToUnixTimeMilliseconds());

    /// <summary>More than a request takes, resends after a kill included.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(3);

    public bool SameDay() => Day == Tunai.Gateway.Ledger.Journal.BusinessDate(DateTimeOffset.UtcNow.Add(Margin).ToUnixTimeMilliseconds());

    /// <summary>The payment id of a success answer; null when the payment was declined.</summary>
    public string? PaymentId { get; set; }

    /// <summary>The status the answer gave (success, or why it was declined).</summary>
    public string Answer { get; set; } = "";

    /// <summary>A reversal of it was answered success.</summary>
    public bool Reversed { get; set; }
}

/// <summary>
/// The tills and the merchants' servers: workers that each repeat one shopping story as fast as answers come: a
/// code created, an inquiry, a payment, sometimes a second payment (a reusable code takes it, a one-off code must
/// decline it), sometimes a reversal, and now and then the same request sent again (same Request-Id, same trx_id)
/// as a client that missed an answer does. A request whose answer is lost (the instance killed under it, a 5xx) is
/// sent again with the same ids until it is answered.
/// </summary>
internal sealed class Traffic(Cluster cluster, IReadOnlyList<ChaosMerchant> merchants, string acquirerClientId, string acquirerSecret)
{
    public const string CreatePath = "/alfa-online-to-offline/v2/payment-code";
    private const string PaymentPath = "/acquirer/v1/alfa/payment";
    private const string InquiryPath = "/acquirer/v1/alfa/inquiry";
    private const string ReversalPath = "/acquirer/v1/alfa/reversal";

    private long _requests;
    private long _resends;
    private long _duplicates;
    private long _codes;

    public ConcurrentQueue<TillPayment> Payments { get; } = new();

    /// <summary>Duplicates whose answer differed from the first one's.</summary>
    public ConcurrentQueue<string> DuplicateMismatches { get; } = new();

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Why requests were sent again: a lost answer, or the status that asked for it.</summary>
    public ConcurrentDictionary<string, long> ResendReasons { get; } = new();

    public long Resends => Interlocked.Read(ref _resends);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Codes => Interlocked.Read(ref _codes);

    /// <summary>An exception that means the answer never came (connection refused or reset, a timeout), not that the run is over.</summary>
    public static bool IsLostAnswer(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or TaskCanceledException or IOException or ObjectDisposedException;

    /// <summary>
    /// Runs <paramref name="workers"/> workers until <paramref name="stop"/>; a story under way when it comes is
    /// finished (its resends end only at <paramref name="deadline"/>, which fails the run).
    /// </summary>
    public Task RunAsync(int workers, CancellationToken stop, CancellationToken deadline) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(async () =>
        {
            var random = new Random(i * 7919 + Environment.TickCount);
            while (!stop.IsCancellationRequested)
            {
                await StoryAsync(random, deadline);
            }
        }, CancellationToken.None)));

    private async Task StoryAsync(Random random, CancellationToken ct)
    {
        var merchant = merchants[random.Next(merchants.Count)];
        var amount = 50_000 + random.Next(950_001);
        var create = Encoding.UTF8.GetBytes(merchant.CreateBody(amount).ToJsonString());
        var createId = Guid.NewGuid().ToString();
        var created = await SendAsync(merchant.ClientId, merchant.SecretKey, CreatePath, create, createId, random, ct);
        if (created.Status is not (HttpStatusCode.OK or HttpStatusCode.Conflict) || created.Json["online_to_offline_info"]?["payment_code"] is null)
        {
            throw new InvalidOperationException($"create answered {(int)created.Status}: {created.Body}");
        }
        Interlocked.Increment(ref _codes);
        var code = (string)created.Json["online_to_offline_info"]!["payment_code"]!;
        if (random.NextDouble() < 0.15)
        {
            var again = await SendAsync(merchant.ClientId, merchant.SecretKey, CreatePath, create, createId, random, ct);
            Duplicate(again.Status == HttpStatusCode.Conflict && (string?)again.Json["online_to_offline_info"]?["payment_code"] == code,
                $"create {createId} sent again: {(int)again.Status} {again.Body}, first gave {code}");
        }

        var payments = merchant.Kind == MerchantKind.Reusable ? 1 + random.Next(3) : random.NextDouble() < 0.15 ? 2 : 1;
        var paid = new List<TillPayment>();
        for (var n = 0; n < payments; n++)
        {
            var trxId = "CHX-" + Guid.NewGuid().ToString("N")[..20];
            var date = Signature.FormatTimestamp(DateTimeOffset.UtcNow);
            if (random.NextDouble() < 0.8)
            {
                await SendAsync(acquirerClientId, acquirerSecret, InquiryPath, Encoding.UTF8.GetBytes(TestStore.Body(code, trxId, date: date).ToJsonString()),
                    Guid.NewGuid().ToString(), random, ct);
            }
            var body = Encoding.UTF8.GetBytes(TestStore.Body(code, trxId, amount, date).ToJsonString());
            var payment = new TillPayment(trxId, code, merchant, amount, Guid.NewGuid().ToString());
            var answer = await SendAsync(acquirerClientId, acquirerSecret, PaymentPath, body, payment.RequestId, random, ct);
            (payment.Answer, payment.PaymentId) = PaymentAnswer(answer);
            Payments.Enqueue(payment);
            if (random.NextDouble() < 0.2)
            {
                var again = PaymentAnswer(await SendAsync(acquirerClientId, acquirerSecret, PaymentPath, body, payment.RequestId, random, ct));
                Duplicate(again == (payment.Answer, payment.PaymentId),
                    $"payment {trxId} sent again: {again}, first {(payment.Answer, payment.PaymentId)}");
            }
            if (payment.PaymentId is not null)
            {
                paid.Add(payment);
            }
        }

        if (paid.Count > 0 && random.NextDouble() < 0.2)
        {
            var payment = paid[random.Next(paid.Count)];
            if (!payment.SameDay())
            {
                return;
            }
            var body = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["online_to_offline_info"] = new JsonObject { ["payment_code"] = code },
                ["trx_id"] = payment.TrxId,
                ["date"] = Signature.FormatTimestamp(DateTimeOffset.UtcNow),
            }.ToJsonString());
            var requestId = Guid.NewGuid().ToString();
            var answer = await SendAsync(acquirerClientId, acquirerSecret, ReversalPath, body, requestId, random, ct);
            payment.Reversed = (string?)answer.Json["status"] == "success";
            if (random.NextDouble() < 0.3)
            {
                var again = await SendAsync(acquirerClientId, acquirerSecret, ReversalPath, body, requestId, random, ct);
                Duplicate(((string?)again.Json["status"] == "success") == payment.Reversed,
                    $"reversal of {payment.TrxId} sent again: {again.Body}, first {answer.Body}");
            }
        }
    }

    private static (string Answer, string? PaymentId) PaymentAnswer(ApiResponse answer)
    {
        var status = (string?)answer.Json["online_to_offline_payment"]?["status"] ?? $"http {(int)answer.Status}";
        return status == "success" && answer.Status == HttpStatusCode.OK
            ? (status, (string?)answer.Json["online_to_offline_payment"]?["payment_id"])
            : (status, null);
    }

    private void Duplicate(bool alike, string mismatch)
    {
        Interlocked.Increment(ref _duplicates);
        if (!alike)
        {
            DuplicateMismatches.Enqueue(mismatch);
        }
    }

    /// <summary>
    /// Sends a signed POST to a running instance until it is answered: a lost answer, a 5xx, a 429 or a request
    /// still in flight is sent again with the same Request-Id and body (a fresh timestamp and signature each time).
    /// </summary>
    private async Task<ApiResponse> SendAsync(string clientId, string secret, string path, byte[] body, string requestId, Random random,
        CancellationToken ct)
    {
        for (var sent = 0; ; )
        {
            ct.ThrowIfCancellationRequested();
            if (cluster.Pick(random) is not { } http)
            {
                // SQLite's one instance is starting again: wait for it
                await Task.Delay(100, ct);
                continue;
            }
            if (sent++ > 0)
            {
                Interlocked.Increment(ref _resends);
            }
            Interlocked.Increment(ref _requests);
            try
            {
                var answer = await SignedHttp.SendAsync(http, clientId, secret, HttpMethod.Post, path, body, requestId);
                var retry = (int)answer.Status >= 500 || answer.Status == HttpStatusCode.TooManyRequests
                    || answer.Body.Contains("request_in_progress", StringComparison.Ordinal);
                if (!retry)
                {
                    return answer;
                }
                ResendReasons.AddOrUpdate($"{path} {(int)answer.Status} {answer.Body[..Math.Min(answer.Body.Length, 120)]}", 1, (_, n) => n + 1);
            }
            catch (Exception e) when (IsLostAnswer(e, ct))
            {
                // killed under the request: the same request again, to whichever instance runs
                ResendReasons.AddOrUpdate(e.GetType().Name, 1, (_, n) => n + 1);
            }
            await Task.Delay(50 + random.Next(200), ct);
        }
    }
}
