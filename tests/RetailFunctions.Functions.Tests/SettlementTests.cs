using RetailFunctions.Functions.Core.Messaging;
using RetailFunctions.Pipeline.Messaging;

namespace RetailFunctions.Functions.Tests;

public sealed class SettlementTests
{
    [Fact]
    public void GivenCompletedOutcome_WhenSettled_ThenTheMessageIsCompletedWithTheSummary()
    {
        var settlement = Settlement.After(new HandlerOutcome.Completed("3 movements"));

        Assert.Equal(new Settlement.Complete("3 movements"), settlement);
    }

    [Fact]
    public void GivenPoisonOutcome_WhenSettled_ThenTheMessageIsParkedWithItsReason()
    {
        var settlement = Settlement.After(new HandlerOutcome.Poison("order command unreadable: bad json", "System.Text.Json.JsonException"));

        Assert.Equal(new Settlement.Park("order command unreadable: bad json", "System.Text.Json.JsonException"), settlement);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void GivenFailureBeforeTheLastDelivery_WhenSettled_ThenTheBrokerDeliversItAgain(int deliveryCount)
    {
        var settlement = Settlement.AfterFailure(new TimeoutException("table timed out"), deliveryCount, maxDeliveries: 5);

        Assert.Equal(new Settlement.Retry("table timed out"), settlement);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(9)]
    public void GivenFailureOnTheLastDelivery_WhenSettled_ThenTheHostGivesUpWithTheErrorAsReason(int deliveryCount)
    {
        var settlement = Settlement.AfterFailure(new TimeoutException("table timed out"), deliveryCount, maxDeliveries: 5);

        var deadLetter = Assert.IsType<Settlement.GiveUp>(settlement);
        Assert.Equal($"failed {deliveryCount} times; last error: table timed out", deadLetter.Reason);
        Assert.Equal(typeof(TimeoutException).FullName, deadLetter.ExceptionType);
    }

    [Fact]
    public void GivenMaxDeliveriesBelowOne_WhenSettled_ThenTheFirstFailureIsTheLast()
    {
        Assert.IsType<Settlement.GiveUp>(Settlement.AfterFailure(new InvalidOperationException("x"), 1, maxDeliveries: 0));
    }
}
