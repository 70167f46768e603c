namespace Tunai.Gateway.Tests.Processes;

/// <summary>
/// Tests that start gateway processes run alone: a port picked as free must stay free until bound. (xUnit reads a
/// collection's definition only in the test assembly itself, so each test project that starts processes has one.)
/// </summary>
[CollectionDefinition(nameof(GatewayProcess), DisableParallelization = true)]
public sealed class GatewayProcessesRunAlone;
