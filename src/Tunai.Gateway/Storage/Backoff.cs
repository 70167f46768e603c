namespace Tunai.Gateway.Storage;

/// <summary>
/// How a background loop waits while its database work keeps failing (the database stopped, a full disk): the pause
/// doubles from the loop's own interval up to <paramref name="longest"/>, so an outage costs a try every few seconds
/// rather than one per interval, and it is logged twice (when the failures start, with the exception, and when they
/// end), not at every try. The loop never stops over it: it works again as soon as the database does.
/// </summary>
public sealed class Backoff(TimeSpan interval, TimeSpan longest, ILogger logger, string work)
{
    private int _failures;

    public bool Failing => _failures > 0;

    /// <summary>The interval while the work succeeds; a longer pause after each failure in a row.</summary>
    public TimeSpan Pause
    {
        get
        {
            if (_failures == 0)
            {
                return interval;
            }
            var grown = interval * Math.Pow(2, Math.Min(_failures - 1, 16));
            return grown < longest ? grown : longest > interval ? longest : interval;
        }
    }

    public void Failed(Exception e)
    {
        if (++_failures == 1)
        {
            logger.LogWarning(e, "{Work} failed; trying again, at most every {Longest} while it fails", work, longest);
        }
        else
        {
            logger.LogDebug("{Work} failed again ({Failures} in a row): {Message}", work, _failures, e.Message);
        }
    }

    public void Succeeded()
    {
        if (_failures > 0)
        {
            logger.LogInformation("{Work} works again after {Failures} failed tries", work, _failures);
            _failures = 0;
        }
    }
}
