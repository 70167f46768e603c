namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>Waits for a condition instead of sleeping a fixed time; fails with a message when it never holds.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        T value;
        while (!done(value = await probe()))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}; last seen: {value}");
            }
            await Task.Delay(20);
        }
        return value;
    }

    public static Task WaitAsync(Func<bool> done, string what, TimeSpan? within = null) =>
        WaitAsync(() => Task.FromResult(done()), d => d, what, within);
}
