namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// Tests that start gateway processes run one at a time: each is a whole .NET process on the real clock, and the
/// crash, shutdown and start tests wait on it, so several starting together on a small machine would stretch those
/// waits toward their timeouts. (Ports are no reason: each process binds port 0. xUnit reads a collection's
/// definition only in the test assembly itself, so each test project that starts processes has one.)
/// </summary>
[CollectionDefinition(nameof(GatewayProcess), DisableParallelization = true)]
public sealed class GatewayProcessesRunAlone;
