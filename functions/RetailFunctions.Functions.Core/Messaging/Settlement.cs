using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Core.Messaging;

/// <summary>
/// What the Service Bus trigger does with a message once its handler has run. Worker.Extensions.ServiceBus 5.7 gives
/// the function no settlement actions: the host completes the message when the function returns and abandons it
/// when the function throws, and the broker dead-letters it once its delivery count passes the queue's
/// maxDeliveryCount. So what an operator must see is written to the DeadLetters table before the function returns
/// or throws, as the local runtime's queue loop does.
/// </summary>
public abstract record Settlement
{
    private Settlement()
    {
    }

    /// <summary>Done: return, and the host completes the message.</summary>
    public sealed record Complete(string Summary) : Settlement;

    /// <summary>
    /// Never going to succeed (unreadable, unmappable): recorded in DeadLetters with the reason, then the function
    /// returns and the host completes the message, as the local runtime deletes it. Redelivering it would fail the
    /// same way; an operator's replay from DeadLetters sends it again.
    /// </summary>
    public sealed record Park(string Reason, string? ExceptionType) : Settlement;

    /// <summary>
    /// Failed on its last delivery: recorded in DeadLetters with the error, then the exception is thrown again; the
    /// host abandons the message and the broker moves it to the queue's dead-letter subqueue.
    /// </summary>
    public sealed record GiveUp(string Reason, string? ExceptionType) : Settlement;

    /// <summary>Failed this time: throw, the host abandons the message and the broker delivers it again.</summary>
    public sealed record Retry(string Error) : Settlement;

    public static Settlement After(HandlerOutcome outcome) => outcome switch
    {
        HandlerOutcome.Completed completed => new Complete(completed.Summary),
        HandlerOutcome.Poison poison => new Park(poison.Reason, poison.ExceptionType),
        _ => throw new InvalidOperationException($"unknown handler outcome {outcome.GetType().Name}"),
    };

    /// <summary>
    /// A handler that threw is retried by redelivery, as on the local runtime, until its last delivery (the trigger
    /// metadata's DeliveryCount reaching the queue's maxDeliveryCount, which host.json's maxDequeueCount mirrors).
    /// </summary>
    public static Settlement AfterFailure(Exception error, int deliveryCount, int maxDeliveries) =>
        deliveryCount >= Math.Max(1, maxDeliveries)
            ? new GiveUp($"failed {deliveryCount} times; last error: {error.Message}", error.GetType().FullName)
            : new Retry(error.Message);
}
