using Azure;
using Azure.Storage.Queues;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using RetailFunctions.Pipeline.Messaging;
using RetailFunctions.Pipeline.Ports;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Storage;

/// <summary>
/// The queue settings of host.json (extensions.queues), with the Functions host's defaults. As there, a new batch is
/// fetched once the messages in hand drop to NewBatchThreshold (half a batch unless set).
/// </summary>
public sealed record QueueWorkerOptions(int BatchSize, int MaxDequeueCount, TimeSpan VisibilityTimeout, TimeSpan MaxPollingInterval,
    int? NewBatchThreshold = null)
{
    /// <summary>
    /// How many of a queue's handlers may run at once: a batch, unless the queue's handlers mostly wait rather than
    /// call storage (the channel push waits for stock to settle) and a few slow ones must not hold up the rest.
    /// </summary>
    public int ConcurrentHandlers { get; init; }

    /// <summary>
    /// Whether a message is kept invisible while its handler works (true). False models a consumer whose renewals do
    /// not get through (a stalled process, storage out of its reach): the message lapses to another consumer.
    /// </summary>
    public bool RenewLeases { get; init; } = true;

    /// <summary>The queue service counts visibility in whole seconds, at least one; a receive batch holds 1 to 32.</summary>
    public QueueWorkerOptions Validated()
    {
        var batch = Math.Clamp(BatchSize, 1, 32);
        return this with
        {
            BatchSize = batch,
            MaxDequeueCount = Math.Max(1, MaxDequeueCount),
            VisibilityTimeout = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(VisibilityTimeout.TotalSeconds))),
            NewBatchThreshold = Math.Clamp(NewBatchThreshold ?? batch / 2, 0, batch),
            ConcurrentHandlers = Math.Max(batch, ConcurrentHandlers),
        };
    }

    public static QueueWorkerOptions Default { get; } = new(16, 5, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
}

public delegate Task<HandlerOutcome> MessageHandler(ReceivedMessage message, CancellationToken cancellationToken);

/// <summary>
/// Pulls one queue and runs its handler on each message: deletes a message on success, parks it in the dead letters when the handler
/// calls it poison or it has failed MaxDequeueCount times, and otherwise lets it come back later with a growing
/// delay. A message is deleted only after its effects are durable, so a crash never loses one. Messages are handled
/// concurrently and the next batch is fetched as soon as those in hand drop to the threshold, not when the slowest of
/// the last batch is done: one slow message (a lock, a retry) does not hold up the queue behind it.
/// </summary>
public sealed partial class QueueProcessor(StorageAccount account, IDeadLetterStore deadLetters, TimeProvider clock, ILogger<QueueProcessor> logger)
{
    public async Task RunAsync(string queue, MessageHandler handle, QueueWorkerOptions options, CancellationToken stop)
    {
        BacklogWork.Enter(queue);
        options = options.Validated();
        var client = account.Queue(queue);
        var signal = QueueSignals.For(queue);
        var running = new List<Task>();
        var load = new WorkerLoad(options.ConcurrentHandlers);
        try
        {
            await PullAsync(client, handle, options, signal, running, load, stop);
        }
        finally
        {
            await Task.WhenAll(running);
        }
    }

    private async Task PullAsync(QueueClient client, MessageHandler handle, QueueWorkerOptions options, SemaphoreSlim signal, List<Task> running,
        WorkerLoad load, CancellationToken stop)
    {
        var queue = client.Name;
        var idle = TimeSpan.FromMilliseconds(25);
        while (!stop.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            // Fetch again once what is in hand leaves room for a batch less the threshold (a batch of handlers: at the threshold).
            if (load.InHand > options.ConcurrentHandlers - options.BatchSize + options.NewBatchThreshold)
            {
                await WaitForWorkAsync(load.Finished, Timeout.InfiniteTimeSpan, stop);
                continue;
            }
            QueueMessage[] messages;
            try
            {
                messages = (await client.ReceiveMessagesAsync(load.MessagesToFetch(options.BatchSize), options.VisibilityTimeout, stop)).Value;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                // Storage unreachable (emulator restarting, network): nothing is lost, try again shortly.
                LogReceiveFailed(queue, e.Message);
                await Delay(options.MaxPollingInterval, stop);
                continue;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            if (messages.Length == 0)
            {
                await WaitForWorkAsync(signal, idle, stop);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, options.MaxPollingInterval.Ticks));
                continue;
            }
            idle = TimeSpan.FromMilliseconds(25);
            load.Received(messages.Length);
            running.AddRange(messages.Select(m => ProcessSafelyAsync(client, m, handle, options, load, stop)));
        }
    }

    /// <summary>
    /// One message can never stop the loop: whatever escapes (storage unreachable while settling, a message another
    /// instance took over after its visibility lapsed) is logged, and the message comes back by its visibility timeout.
    /// </summary>
    private async Task ProcessSafelyAsync(QueueClient client, QueueMessage message, MessageHandler handle, QueueWorkerOptions options, WorkerLoad load,
        CancellationToken stop)
    {
        var tally = new MessageTally();
        try
        {
            await ProcessAsync(client, message, handle, options, load, tally, stop);
        }
        catch (RequestFailedException e) when (e.Status is 400 or 404)
        {
            // The pop receipt is stale: the message became visible again and another consumer has it now. Its
            // effects are idempotent, so that consumer's attempt is harmless.
            LogSettleLost(client.Name, message.MessageId, e.Status);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            LogSettleFailed(client.Name, message.MessageId, e);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            load.Done(tally.Unsettled);
        }
    }

    private async Task ProcessAsync(QueueClient client, QueueMessage message, MessageHandler handle, QueueWorkerOptions options, WorkerLoad load,
        MessageTally tally, CancellationToken stop)
    {
        var text = message.Body.ToString();
        if (QueueMessageSender.TryRead(text, out var problem) is not { } carried)
        {
            var unreadable = new Envelope(message.MessageId, "unreadable", message.MessageId, message.MessageId, null,
                new Dictionary<string, string>(), message.InsertedOn ?? clock.GetUtcNow(), client.Name, text);
            await DeadLetterAsync(client, message.MessageId, message.PopReceipt, message.DequeueCount, unreadable,
                $"message is not a readable envelope: {problem!.Message}", problem.GetType().Name, stop);
            return;
        }
        if (EnvelopeBatch.IsBatch(text))
        {
            load.Opened(carried.Envelopes.Count);
            tally.Count(carried.Envelopes.Count);
            await ProcessGroupAsync(client, message, carried, handle, options, load, tally, stop);
            return;
        }
        var envelope = carried.Envelopes[0];

        using var activity = PipelineTelemetry.StartProcessing(envelope, client.Name);
        using var scope = logger.BeginScope(envelope.Keys);
        var started = clock.GetTimestamp();
        var lease = new MessageLease(client, message.MessageId, message.PopReceipt, options.VisibilityTimeout);
        var received = new ReceivedMessage(envelope, client.Name, message.DequeueCount, message.InsertedOn) { KeepAlive = lease.RenewAsync };

        HandlerOutcome? outcome = null;
        Exception? failure = null;
        // The message stays this consumer's while its handler works, however long, as the Functions host keeps a
        // queue message invisible while its function runs: otherwise a second consumer would run it alongside.
        await using (lease.KeepWhileWorking(options.RenewLeases, stop))
        {
            try
            {
                await load.Handlers.WaitAsync(stop);
                try
                {
                    outcome = await handle(received, stop);
                }
                finally
                {
                    load.Handlers.Release();
                }
            }
            catch (MessageTakenOverException lost)
            {
                // Another consumer has the message now: its outcome is that consumer's to settle, not a failure of ours.
                LogSettleLost(client.Name, envelope.Id, lost.Status);
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                failure = e;
            }
            catch (OperationCanceledException)
            {
                return; // Shutting down: the message becomes visible again and is retried.
            }
        }

        if (failure is not null)
        {
            RecordFailure(activity, client.Name, failure, started);
            if (message.DequeueCount >= options.MaxDequeueCount)
            {
                await DeadLetterAsync(client, message.MessageId, lease.PopReceipt, message.DequeueCount, envelope,
                    $"failed {message.DequeueCount} times; last error: {failure.Message}", failure.GetType().FullName, stop);
                return;
            }
            LogHandlerFailed(client.Name, envelope.Id, message.DequeueCount, failure);
            await RetryLaterAsync(client, message.MessageId, lease.PopReceipt, message.DequeueCount, stop);
            return;
        }

        await SettleAsync(activity, client.Name, message.DequeueCount, envelope, outcome!, started, stop);
        await client.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None);
    }

    /// <summary>
    /// A message carrying a group: each envelope is handled as if it had come alone (within the worker's handler
    /// allowance), and the message is settled once for all of them. Completed and poison envelopes are done; the ones
    /// that failed go back to the queue together in one new message, due after the retry delay and carrying their
    /// attempts, or are dead-lettered when out of attempts. Meanwhile the message's invisibility is renewed, so no
    /// other consumer takes the group.
    /// </summary>
    private async Task ProcessGroupAsync(QueueClient client, QueueMessage message, EnvelopeBatch group, MessageHandler handle,
        QueueWorkerOptions options, WorkerLoad load, MessageTally tally, CancellationToken stop)
    {
        var attempt = message.DequeueCount + group.Attempts;
        var lease = new MessageLease(client, message.MessageId, message.PopReceipt, options.VisibilityTimeout);
        var failed = new System.Collections.Concurrent.ConcurrentQueue<(Envelope Envelope, Exception Error)>();
        await using (lease.KeepWhileWorking(options.RenewLeases, stop))
        {
            try
            {
                await Parallel.ForEachAsync(group.Envelopes, new ParallelOptions { MaxDegreeOfParallelism = options.ConcurrentHandlers, CancellationToken = stop },
                    async (envelope, ct) =>
                    {
                        Exception? error;
                        await load.Handlers.WaitAsync(ct);
                        try
                        {
                            error = await HandleGroupedAsync(client.Name, envelope, attempt, message.InsertedOn, lease, handle, ct);
                        }
                        finally
                        {
                            load.Handlers.Release();
                        }
                        if (error is not null) failed.Enqueue((envelope, error));
                        // Handled (its fate is settled with the message): the worker may fetch more behind it.
                        tally.Settled();
                        load.Done(1);
                    });
            }
            catch (MessageTakenOverException lost)
            {
                // Another consumer has the group now: settling it is that consumer's work.
                LogSettleLost(client.Name, message.MessageId, lost.Status);
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return; // Shutting down: the message becomes visible again and the group is retried.
            }
        }

        if (!failed.IsEmpty)
        {
            if (attempt >= options.MaxDequeueCount)
            {
                foreach (var (envelope, error) in failed)
                    await ParkAsync(client.Name, attempt, envelope, $"failed {attempt} times; last error: {error.Message}", error.GetType().FullName, stop);
            }
            else
            {
                foreach (var (envelope, error) in failed) LogHandlerFailed(client.Name, envelope.Id, attempt, error);
                var retry = EnvelopeBatch.Format(failed.Select(f => JsonSerializer.Serialize(f.Envelope, QueueMessageSender.Json)).ToList(), attempt);
                await client.SendMessageAsync(retry, visibilityTimeout: RetryDelay(attempt), cancellationToken: stop);
            }
        }
        await client.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None);
    }

    /// <summary>Handles one envelope of a group: null when it is settled (completed or parked), else why it failed.</summary>
    private async Task<Exception?> HandleGroupedAsync(string queue, Envelope envelope, long attempt, DateTimeOffset? insertedOn, MessageLease lease,
        MessageHandler handle, CancellationToken ct)
    {
        using var activity = PipelineTelemetry.StartProcessing(envelope, queue);
        using var scope = logger.BeginScope(envelope.Keys);
        var started = clock.GetTimestamp();
        HandlerOutcome outcome;
        try
        {
            outcome = await handle(new ReceivedMessage(envelope, queue, attempt, insertedOn) { KeepAlive = lease.RenewAsync }, ct);
        }
        catch (Exception e) when (e is not MessageTakenOverException && !ct.IsCancellationRequested)
        {
            RecordFailure(activity, queue, e, started);
            return e;
        }
        await SettleAsync(activity, queue, attempt, envelope, outcome, started, ct);
        return null;
    }

    /// <summary>
    /// An envelope's outcome, recorded and logged the same way whether it came alone or in a group: completed, or
    /// poison and parked in the dead letters. Removing the message that carried it is the caller's.
    /// </summary>
    private async Task SettleAsync(System.Diagnostics.Activity? activity, string queue, long attempts, Envelope envelope, HandlerOutcome outcome,
        long started, CancellationToken ct)
    {
        switch (outcome)
        {
            case HandlerOutcome.Completed completed:
                Record(queue, "completed", started);
                LogCompleted(queue, envelope.Id, envelope.Type, completed.Summary);
                break;
            case HandlerOutcome.Poison poison:
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, poison.Reason);
                Record(queue, "poison", started);
                await ParkAsync(queue, attempts, envelope, poison.Reason, poison.ExceptionType, ct);
                break;
        }
    }

    private void RecordFailure(System.Diagnostics.Activity? activity, string queue, Exception error, long started)
    {
        activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Message);
        Record(queue, "failed", started);
    }

    private async Task DeadLetterAsync(
        QueueClient client, string messageId, string popReceipt, long dequeueCount, Envelope envelope, string reason, string? exceptionType, CancellationToken stop)
    {
        await ParkAsync(client.Name, dequeueCount, envelope, reason, exceptionType, stop);
        await client.DeleteMessageAsync(messageId, popReceipt, CancellationToken.None);
    }

    private async Task ParkAsync(string queue, long attempts, Envelope envelope, string reason, string? exceptionType, CancellationToken stop)
    {
        LogDeadLettered(queue, envelope.Id, reason);
        PipelineTelemetry.DeadLetters.Add(1, new("queue", queue), new("failure_class", PipelineTelemetry.Classify(exceptionType, reason)));
        await deadLetters.AddAsync(new DeadLetter(envelope.Id, queue, reason, exceptionType, attempts, envelope, clock.GetUtcNow()), stop);
    }

    private void Record(string queue, string outcome, long started)
    {
        PipelineTelemetry.Messages.Add(1, new("queue", queue), new("outcome", outcome));
        PipelineTelemetry.MessageDuration.Record(clock.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("queue", queue));
    }

    /// <summary>Exponential backoff through the message's visibility: 2, 4, 8... seconds, at most five minutes.</summary>
    public static TimeSpan RetryDelay(long dequeueCount) => TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Clamp(dequeueCount, 1, 10))));

    private static async Task RetryLaterAsync(QueueClient client, string messageId, string popReceipt, long dequeueCount, CancellationToken stop)
    {
        try
        {
            await client.UpdateMessageAsync(messageId, popReceipt, visibilityTimeout: RetryDelay(dequeueCount), cancellationToken: stop);
        }
        catch (RequestFailedException)
        {
            // The visibility timeout will bring it back anyway.
        }
    }

    private static async Task WaitForWorkAsync(SemaphoreSlim signal, TimeSpan idle, CancellationToken stop)
    {
        try
        {
            await signal.WaitAsync(idle, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Queue} message {MessageId} was taken over by another consumer before it was settled (status {Status})")]
    private partial void LogSettleLost(string queue, string messageId, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Queue} message {MessageId} could not be settled; it will come back after its visibility timeout")]
    private partial void LogSettleFailed(string queue, string messageId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from {Queue} failed: {Error}")]
    private partial void LogReceiveFailed(string queue, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handler for {Queue} failed on message {MessageId} (attempt {Attempt}); it will be retried")]
    private partial void LogHandlerFailed(string queue, string messageId, long attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Queue} message {MessageId} ({Type}) done: {Summary}")]
    private partial void LogCompleted(string queue, string messageId, string type, string summary);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Queue} message {MessageId} dead-lettered: {Reason}")]
    private partial void LogDeadLettered(string queue, string messageId, string reason);
}

/// <summary>
/// How much work a queue's worker holds: envelopes received and not yet handled, and the permits that cap how many
/// handlers run at once (the batch size, whether envelopes come alone or in groups). It fetches more only when what it
/// holds drops to the threshold, and asks for as many messages as, at the groups' recent size, fill a batch.
/// </summary>
internal sealed class WorkerLoad(int handlers)
{
    private long _inHand;
    private double _envelopesPerMessage = 1;

    public SemaphoreSlim Handlers { get; } = new(handlers, handlers);
    public SemaphoreSlim Finished { get; } = new(0);
    public long InHand => Interlocked.Read(ref _inHand);

    public void Received(int messages) => Interlocked.Add(ref _inHand, messages);

    /// <summary>A received message turned out to carry a group.</summary>
    public void Opened(int envelopes)
    {
        Interlocked.Add(ref _inHand, envelopes - 1);
        _envelopesPerMessage = 0.7 * _envelopesPerMessage + 0.3 * envelopes;
    }

    public void Done(int envelopes)
    {
        if (envelopes <= 0) return;
        Interlocked.Add(ref _inHand, -envelopes);
        Finished.Release();
    }

    /// <summary>Messages that, at the groups' recent size, fill the room left, at most a batch.</summary>
    public int MessagesToFetch(int batchSize) =>
        Math.Clamp((int)Math.Ceiling((handlers - InHand) / Math.Max(1, _envelopesPerMessage)), 1, batchSize);
}

/// <summary>One message's envelopes and how many of them are handled, so the worker's count is settled exactly once.</summary>
internal sealed class MessageTally
{
    private int _total = 1;
    private int _settled;

    public void Count(int envelopes) => _total = envelopes;
    public void Settled() => Interlocked.Increment(ref _settled);
    public int Unsettled => _total - Volatile.Read(ref _settled);
}

/// <summary>
/// A received message's pop receipt, renewed on a timer while its handlers work and on demand (a handler's
/// keep-alive); renewals are serialized because each one replaces the receipt the next needs.
/// </summary>
internal sealed class MessageLease(QueueClient client, string messageId, string popReceipt, TimeSpan visibility)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string PopReceipt { get; private set; } = popReceipt;

    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var updated = await client.UpdateMessageAsync(messageId, PopReceipt, visibilityTimeout: visibility, cancellationToken: cancellationToken);
            PopReceipt = updated.Value.PopReceipt;
        }
        catch (RequestFailedException lost) when (lost.Status is 400 or 404)
        {
            throw new MessageTakenOverException(lost);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Renews the lease on a timer (when <paramref name="renew"/>) until disposed. Disposing waits for a renewal under
    /// way: settling replaces the pop receipt a renewal would use, so none may run alongside it.
    /// </summary>
    public IAsyncDisposable KeepWhileWorking(bool renew, CancellationToken stop) => new Renewal(this, renew, stop);

    private sealed class Renewal : IAsyncDisposable
    {
        private readonly CancellationTokenSource _working;
        private readonly Task _renewing;

        public Renewal(MessageLease lease, bool renew, CancellationToken stop)
        {
            _working = CancellationTokenSource.CreateLinkedTokenSource(stop);
            _renewing = renew ? lease.RenewUntilAsync(_working.Token) : Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            await _working.CancelAsync();
            await _renewing;
            _working.Dispose();
        }
    }

    /// <summary>Renews every third of the visibility timeout until cancelled or the message is lost.</summary>
    private async Task RenewUntilAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(visibility / 3, cancellationToken);
                // Not cancelled once sent: a renewal the service carried out but the caller stopped waiting for would
                // leave a stale receipt behind, and the settling that follows would fail on it.
                await RenewAsync(CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (MessageTakenOverException)
            {
                return; // Settling will find out and leave the message to its new consumer.
            }
            catch (RequestFailedException)
            {
                // Storage busy or unreachable: try again at the next turn; the timeout has two thirds left.
            }
        }
    }
}

/// <summary>
/// A handler's keep-alive found that its message's visibility had lapsed and another consumer had received or settled it.
/// </summary>
public sealed class MessageTakenOverException(RequestFailedException lost)
    : Exception($"the message was taken over by another consumer ({lost.Status} {lost.ErrorCode})", lost)
{
    public int Status { get; } = lost.Status;
}

/// <summary>How far behind a queue is: its depth, and the age of its oldest visible message.</summary>
public sealed record QueueBacklog(string Queue, int Depth, TimeSpan? OldestAge);

public static class QueueBacklogReader
{
    public static async Task<QueueBacklog> ReadAsync(StorageAccount account, string queue, TimeProvider clock, CancellationToken cancellationToken)
    {
        var client = account.Queue(queue);
        var depth = (await client.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        // An empty queue has no oldest message; not asking saves a call that scans every message on the emulator.
        if (depth == 0) return new QueueBacklog(queue, 0, null);
        var oldest = (await client.PeekMessagesAsync(1, cancellationToken)).Value.FirstOrDefault()?.InsertedOn;
        return new QueueBacklog(queue, depth, oldest is { } at ? clock.GetUtcNow() - at : null);
    }
}
