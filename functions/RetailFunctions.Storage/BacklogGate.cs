using Azure.Core;
using Azure.Core.Pipeline;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Storage;

/// <summary>
/// A storage client policy: a call made for backlog work (<see cref="BacklogWork"/>) waits for one of
/// <c>width</c> slots, any other call goes straight on. Each attempt takes its own slot, so a retry's back-off holds
/// none. The width only needs to keep the storage service busy; what it bounds is how many backlog calls can sit
/// ahead of a till sale's in the service's queue.
/// </summary>
public sealed class BacklogGate(int width) : HttpPipelinePolicy
{
    private readonly SemaphoreSlim _slots = new(width, width);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (!BacklogWork.IsCurrent)
        {
            await ProcessNextAsync(message, pipeline);
            return;
        }
        await _slots.WaitAsync(message.CancellationToken);
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        finally
        {
            _slots.Release();
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (!BacklogWork.IsCurrent)
        {
            ProcessNext(message, pipeline);
            return;
        }
        _slots.Wait(message.CancellationToken);
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            _slots.Release();
        }
    }
}
