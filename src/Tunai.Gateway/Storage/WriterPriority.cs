using System.Runtime.InteropServices;

namespace Tunai.Gateway.Storage;

/// <summary>
/// Raises the CPU priority of the thread that runs a SQLite write group, for the length of the group only (the loop
/// runs on a pool thread, which goes back to ordinary work afterwards). Every write of the instance waits for that one
/// thread: on a machine whose cores are busy with requests, a writer preempted in the middle of a unit holds up every
/// unit behind it. Linux only, where a thread's nice value is its own (setpriority on its thread id); lowering it below
/// 0 needs CAP_SYS_NICE (root, or systemd's LimitNICE), and without it the writer simply runs at the ordinary priority.
/// Measured with bench/run at 64 connections on 2 cores, side by side with the build before it (nice -10 twice, -5
/// once): the writer's µs per payment unit 7-16 % lower, per create 6 %, payments per second 5-14 % higher. What it
/// costs: at saturation the notification worker's HTTP calls get less of the CPU, so when stores pay faster than the
/// worker delivers, the backlog and with it the delivery lag grows (p99 1-2.5 s against 0.1 s); deliveries per second
/// stay about the same.
/// </summary>
internal sealed class WriterPriority(int nice)
{
    private bool _refused;

    /// <summary>Sets this thread's nice value to the configured one; returns the thread's id to give back, or 0.</summary>
    public int Raise()
    {
        if (nice == 0 || _refused || !OperatingSystem.IsLinux())
        {
            return 0;
        }
        try
        {
            var tid = gettid();
            if (setpriority(PrioProcess, tid, nice) != 0)
            {
                _refused = true; // EACCES/EPERM: not allowed here, and it will not become allowed
                return 0;
            }
            return tid;
        }
        catch (EntryPointNotFoundException)
        {
            _refused = true;
            return 0;
        }
    }

    /// <summary>Gives the thread back at the ordinary priority (raising a nice value is always allowed).</summary>
    public static void Lower(int tid)
    {
        if (tid != 0)
        {
            _ = setpriority(PrioProcess, tid, 0);
        }
    }

    private const int PrioProcess = 0;

    // DllImport rather than LibraryImport: the generated stubs of the latter need unsafe code in the project, and these
    // two take and return plain ints, which need no marshalling.
    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int gettid();
}
