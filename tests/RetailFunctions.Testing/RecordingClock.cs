using System.Collections.Concurrent;

namespace RetailFunctions.Testing;

/// <summary>
/// The system clock, remembering every wait asked of it: a test checks that a retry waited as long as it was told
/// by reading the wait, not by timing it.
/// </summary>
public sealed class RecordingClock : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _waits = new();

    public IReadOnlyCollection<TimeSpan> Waits => _waits.ToArray();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _waits.Enqueue(dueTime);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
