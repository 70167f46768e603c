namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// Where tests keep screenshots for a person to look at afterwards: <c>TUNAI_TEST_ARTIFACTS</c> when set,
/// otherwise <c>TestResults/screenshots</c> next to the test assembly. Files are never cleaned up.
/// </summary>
public static class Artifacts
{
    public static string Screenshot(string fileName)
    {
        var root = Environment.GetEnvironmentVariable("TUNAI_TEST_ARTIFACTS");
        var folder = string.IsNullOrWhiteSpace(root)
            ? Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots")
            : Path.Combine(root, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, fileName);
    }
}
