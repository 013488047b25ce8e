using System.Text;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Storage;

/// <summary>
/// Group commit for one queue: a send starts at once while fewer than <c>maxInFlight</c> are under way; envelopes that
/// arrive meanwhile wait and go out together in the next message, up to <c>maxBytes</c> and <c>maxEnvelopes</c>. A
/// quiet queue gets one message per send with no added wait; a burst gets a few large messages. Envelopes sent
/// together (one decision's events) stay together in as few messages as hold them. Each caller's task completes only
/// once the messages holding its envelopes are stored, and fails if one of those writes fails.
/// </summary>
public sealed class QueueGroupCommit(Func<string, Task> send, int maxInFlight = 4, int maxBytes = 48 * 1024, int maxEnvelopes = 32)
{
    private readonly object _gate = new();
    private readonly Queue<Waiting> _waiting = new();
    private int _inFlight;

    /// <summary>Envelopes that travel in one message, the caller waiting for it, and whether that caller does backlog work.</summary>
    private sealed record Waiting(IReadOnlyList<string> Texts, int Bytes, TaskCompletionSource Stored, bool Backlog);

    public Task SendAsync(string envelopeText) => SendTogetherAsync([envelopeText]);

    public Task SendTogetherAsync(IReadOnlyList<string> envelopeTexts)
    {
        var units = Units(envelopeTexts).Select(texts => new Waiting(texts, texts.Sum(t => Encoding.UTF8.GetByteCount(t)),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), BacklogWork.IsCurrent)).ToList();
        var started = new List<List<Waiting>>();
        lock (_gate)
        {
            foreach (var unit in units) _waiting.Enqueue(unit);
            while (_inFlight < maxInFlight && _waiting.Count > 0)
            {
                _inFlight++;
                started.Add(TakeGroup());
            }
        }
        foreach (var group in started) _ = WriteGroupsAsync(group);
        return units.Count == 1 ? units[0].Stored.Task : Task.WhenAll(units.Select(u => u.Stored.Task));
    }

    /// <summary>Envelopes sent together, cut into runs that each fit one message (a run of one may be larger).</summary>
    private IEnumerable<string[]> Units(IReadOnlyList<string> texts) =>
        Runs.Cut(texts, Encoding.UTF8.GetByteCount, maxEnvelopes, (bytes, count) => EnvelopeBatch.FormattedBytes(bytes, count) <= maxBytes);

    /// <summary>Writes a group, then whatever gathered while it was written, until nothing waits.</summary>
    private async Task WriteGroupsAsync(List<Waiting> group)
    {
        while (true)
        {
            try
            {
                var texts = group.SelectMany(w => w.Texts).ToList();
                BacklogWork.Set(group.All(w => w.Backlog));
                await send(texts.Count == 1 ? texts[0] : EnvelopeBatch.Format(texts));
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

    /// <summary>The oldest waiting units that fit one message; always at least one.</summary>
    private List<Waiting> TakeGroup()
    {
        var group = new List<Waiting> { _waiting.Dequeue() };
        var (bytes, count) = (group[0].Bytes, group[0].Texts.Count);
        while (_waiting.Count > 0 && count + _waiting.Peek().Texts.Count <= maxEnvelopes
               && EnvelopeBatch.FormattedBytes(bytes + _waiting.Peek().Bytes, count + _waiting.Peek().Texts.Count) <= maxBytes)
        {
            var next = _waiting.Dequeue();
            bytes += next.Bytes;
            count += next.Texts.Count;
            group.Add(next);
        }
        return group;
    }
}
