using System.Runtime.CompilerServices;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Tests.Infrastructure;

/// <summary>
/// The test host sets SQLite up as the gateway's process does (<see cref="Database.SetUpSqliteProcess"/>), before any
/// test opens a connection of its own: SQLite takes process-wide settings only before its first connection, and a test
/// that opened a file directly before any gateway started would otherwise leave the whole run on SQLite's defaults.
/// </summary>
internal static class SqliteProcess
{
    [ModuleInitializer]
    internal static void SetUp() => Database.SetUpSqliteProcess();
}
