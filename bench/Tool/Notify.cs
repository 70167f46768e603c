using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tunai.Bench.Tool;

// Notification figures for bench/run: lag from the payment's commit (payments.paid_at, unix ms) to the receiver's
// arrival time, and deliveries per second over the span from the first payment to the last delivery.
internal static class Notify
{
    // Until no notification is PENDING (or the timeout), then a moment for the receiver to write its last line,
    // which it does after answering.
    public static int Wait(string database, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        using (var connection = Databases.OpenForReading(database))
        {
            using var pending = connection.CreateCommand();
            pending.CommandText = "SELECT count(*) FROM notifications WHERE status = 'PENDING'";
            while (Convert.ToInt64(pending.ExecuteScalar(), CultureInfo.InvariantCulture) > 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
        Thread.Sleep(300);
        return 0;
    }

    // One JSON line for raw.jsonl, about the payments of the codes in <codes file> (the run just measured).
    public static int Stats(string database, string deliveries, string codesFile, string label, string step, int connections, long peakKb)
    {
        var codes = File.ReadLines(codesFile).Where(line => line.Trim().Length > 0).Select(line => line.Split('\t')[0]).ToHashSet();
        var arrived = new Dictionary<string, long>();
        foreach (var line in File.ReadLines(deliveries))
        {
            var parts = line.Split('\t');
            if (parts.Length == 2)
            {
                arrived.TryAdd(parts[1], long.Parse(parts[0], CultureInfo.InvariantCulture));
            }
        }
        var paid = new Dictionary<string, long>();
        using (var connection = Databases.OpenForReading(database))
        {
            using var select = connection.CreateCommand();
            // All payments, filtered here: the table holds only this bench's few thousand rows, and the same SQL then
            // serves both databases.
            select.CommandText = "SELECT code, paid_at FROM payments";
            using DbDataReader reader = select.ExecuteReader();
            while (reader.Read())
            {
                if (codes.Contains(reader.GetString(0)))
                {
                    paid[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
        }
        var delivered = paid.Where(p => arrived.ContainsKey(p.Key)).ToList();
        var lags = delivered.Select(p => arrived[p.Key] - p.Value).Order().ToList();
        var span = lags.Count > 0 ? (delivered.Max(p => arrived[p.Key]) - paid.Values.Min()) / 1000.0 : 0;

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("label", label);
            json.WriteString("kind", "notify");
            json.WriteString("step", step);
            json.WriteNumber("connections", connections);
            json.WriteNumber("peak_kb", peakKb);
            json.WriteNumber("payments", paid.Count);
            json.WriteNumber("delivered", lags.Count);
            json.WriteNumber("deliveries_per_s", span > 0 ? Math.Round(lags.Count / span, 1) : 0);
            WritePercentile(json, "lag_p50_ms", lags, 50);
            WritePercentile(json, "lag_p99_ms", lags, 99);
            json.WriteEndObject();
        }
        Console.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
        return 0;
    }

    // Nearest rank on the sorted values; the rank is rounded half to even.
    private static void WritePercentile(Utf8JsonWriter json, string name, List<long> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteNumber(name, sorted[Math.Min(sorted.Count - 1, (int)Math.Round(p / 100 * (sorted.Count - 1)))]);
    }
}
