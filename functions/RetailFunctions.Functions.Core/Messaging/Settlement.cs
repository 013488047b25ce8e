using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Core.Messaging;

/// <summary>What the Service Bus trigger does with a message once its handler has run.</summary>
public abstract record Settlement
{
    private Settlement()
    {
    }

    /// <summary>Done: complete the message.</summary>
    public sealed record Complete(string Summary) : Settlement;

    /// <summary>Never going to succeed: record it for the operators and move it to the queue's dead-letter subqueue.</summary>
    public sealed record DeadLetter(string Reason, string? ExceptionType) : Settlement;

    /// <summary>Failed this time: leave it to the broker, which delivers it again after the lock expires.</summary>
    public sealed record Retry(string Error) : Settlement;

    /// <summary>The broker's dead-letter reason is at most 4 KiB of text; the full reason stays in the DeadLetters table.</summary>
    public const int MaxBrokerReasonLength = 1024;

    public static Settlement After(HandlerOutcome outcome) => outcome switch
    {
        HandlerOutcome.Completed completed => new Complete(completed.Summary),
        HandlerOutcome.Poison poison => new DeadLetter(poison.Reason, poison.ExceptionType),
        _ => throw new InvalidOperationException($"unknown handler outcome {outcome.GetType().Name}"),
    };

    /// <summary>
    /// A handler that threw is retried by redelivery, as on the local runtime, until its last delivery: that one is
    /// dead-lettered with the error as the reason (host.json maxDequeueCount equals the queues' maxDeliveryCount).
    /// </summary>
    public static Settlement AfterFailure(Exception error, int deliveryCount, int maxDeliveries) =>
        deliveryCount >= Math.Max(1, maxDeliveries)
            ? new DeadLetter($"failed {deliveryCount} times; last error: {error.Message}", error.GetType().FullName)
            : new Retry(error.Message);

    public static string BrokerReason(string reason) => reason.Length <= MaxBrokerReasonLength ? reason : reason[..MaxBrokerReasonLength];
}
