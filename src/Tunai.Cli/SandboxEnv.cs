namespace Tunai.Cli;

/// <summary>Reads the <c>export NAME=value</c> lines of the data/sandbox.env file a sandbox gateway writes.</summary>
internal static class SandboxEnv
{
    public const string RelativePath = "data/sandbox.env";

    public static Dictionary<string, string> Read(string folder)
    {
        var file = Path.Combine(folder, RelativePath);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(file))
        {
            return values;
        }
        foreach (var line in File.ReadLines(file))
        {
            var text = line.Trim();
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            if (!text.StartsWith("export ", StringComparison.Ordinal) || eq < 0)
            {
                continue;
            }
            var name = text[7..eq].Trim();
            values[name] = text[(eq + 1)..].Trim().Trim('"', '\'');
        }
        return values;
    }
}
