using System.Text;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Storage;

/// <summary>
/// Group commit for one queue: a send starts at once while fewer than <c>maxInFlight</c> are under way; envelopes that
/// arrive meanwhile wait and go out together in the next message, up to <c>maxBytes</c>. A quiet queue gets one
/// message per envelope with no added wait; a burst gets a few large messages. Each caller's task completes only once
/// the message holding its envelope is stored, and fails if that write fails.
/// </summary>
public sealed class QueueGroupCommit(Func<string, Task> send, int maxInFlight = 4, int maxBytes = 48 * 1024, int maxEnvelopes = 32)
{
    private readonly object _gate = new();
    private readonly Queue<Waiting> _waiting = new();
    private int _inFlight;

    private sealed record Waiting(string Text, int Bytes, TaskCompletionSource Stored);

    public Task SendAsync(string envelopeText)
    {
        var waiting = new Waiting(envelopeText, Encoding.UTF8.GetByteCount(envelopeText), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        List<Waiting>? group = null;
        lock (_gate)
        {
            _waiting.Enqueue(waiting);
            if (_inFlight < maxInFlight)
            {
                _inFlight++;
                group = TakeGroup();
            }
        }
        if (group is not null) _ = WriteGroupsAsync(group);
        return waiting.Stored.Task;
    }

    /// <summary>Writes a group, then whatever gathered while it was written, until nothing waits.</summary>
    private async Task WriteGroupsAsync(List<Waiting> group)
    {
        while (true)
        {
            try
            {
                await send(group.Count == 1 ? group[0].Text : EnvelopeBatch.Format(group.Select(w => w.Text).ToList()));
                foreach (var w in group) w.Stored.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var w in group) w.Stored.TrySetException(e);
            }
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _inFlight--;
                    return;
                }
                group = TakeGroup();
            }
        }
    }

    /// <summary>The oldest waiting envelopes that fit one message; always at least one.</summary>
    private List<Waiting> TakeGroup()
    {
        var group = new List<Waiting> { _waiting.Dequeue() };
        var bytes = group[0].Bytes;
        while (_waiting.Count > 0 && group.Count < maxEnvelopes
               && EnvelopeBatch.FormattedBytes(bytes + _waiting.Peek().Bytes, group.Count + 1) <= maxBytes)
        {
            var next = _waiting.Dequeue();
            bytes += next.Bytes;
            group.Add(next);
        }
        return group;
    }
}
