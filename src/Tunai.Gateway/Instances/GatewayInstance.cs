namespace Tunai.Gateway.Instances;

/// <summary>This running gateway process, as the instance registry and lease owners know it.</summary>
public sealed class GatewayInstance
{
    public string Host { get; } = Environment.MachineName;

    public int ProcessId { get; } = Environment.ProcessId;

    /// <summary>Unique per start: a restarted process is a new instance, and takes over what its previous life held.</summary>
    public string Id { get; }

    public GatewayInstance() => Id = $"{Host}:{ProcessId}:{Guid.NewGuid():N}";
}
