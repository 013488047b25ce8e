using RetailFunctions.Pipeline.Orders;

namespace RetailFunctions.Pipeline.Tests;

/// <summary>Who may call the web store for a refund: the decisions on the attempt row, each a pure function of it.</summary>
public sealed class RefundAttemptsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-20T12:00:00Z");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(4);
    private static readonly StoredRefundAttempt None = new(null, null);

    private static StoredRefundAttempt Row(string holder, DateTimeOffset until, string? made = null) => new(new RefundAttemptState(holder, until, made), "tag");

    [Fact]
    public void GivenNoAttemptYet_WhenOneTakesTheRefund_ThenItIsItsForTheLease()
    {
        var decision = RefundAttempts.Take(None, "a", Now, Lease);

        Assert.IsType<RefundTurn.Mine>(decision.Result);
        Assert.Equal(new RefundAttemptState("a", Now + Lease, null), decision.Change);
    }

    [Fact]
    public void GivenAnotherAttemptHoldsIt_WhenOneTriesToTakeIt_ThenItIsHeldUntilThatLeaseEndsAndNothingIsWritten()
    {
        var decision = RefundAttempts.Take(Row("a", Now.AddSeconds(10)), "b", Now, Lease);

        Assert.Equal(new RefundTurn.Held(Now.AddSeconds(10)), decision.Result);
        Assert.Null(decision.Change);
    }

    [Fact]
    public void GivenAHolderWhoseLeasePassed_WhenAnotherTriesToTakeIt_ThenItIsTakenOver()
    {
        var decision = RefundAttempts.Take(Row("a", Now), "b", Now, Lease);

        Assert.IsType<RefundTurn.Mine>(decision.Result);
        Assert.Equal("b", decision.Change!.Holder);
    }

    [Fact]
    public void GivenARefundMade_WhenAnyAttemptTriesToTakeIt_ThenItLearnsTheWebStoresIdAndNothingIsWritten()
    {
        var decision = RefundAttempts.Take(Row("a", Now.AddSeconds(-1), made: "9001"), "b", Now, Lease);

        Assert.Equal(new RefundTurn.Made("9001"), decision.Result);
        Assert.Null(decision.Change);
    }

    [Fact]
    public void GivenTheHolder_WhenItFinishes_ThenTheRefundIsRecordedAsMade()
    {
        var decision = RefundAttempts.Finish(Row("a", Now.AddMinutes(1)), "a", "9001");

        Assert.Equal("9001", decision.Change!.Made);
    }

    [Fact]
    public void GivenAHolderWhoseLeaseWasTakenOver_WhenItFinishesOrLetsGo_ThenItLeavesTheRowToTheNewHolder()
    {
        Assert.Null(RefundAttempts.Finish(Row("b", Now.AddMinutes(1)), "a", "9001").Change);
        Assert.Null(RefundAttempts.LetGo(Row("b", Now.AddMinutes(1)), "a", Now).Change);
    }

    [Fact]
    public void GivenTheHolder_WhenItLetsGo_ThenTheLeaseEndsNowSoTheNextAttemptNeedNotWait()
    {
        var letGo = RefundAttempts.LetGo(Row("a", Now.AddMinutes(1)), "a", Now);

        Assert.Equal(Now, letGo.Change!.Until);
        Assert.IsType<RefundTurn.Mine>(RefundAttempts.Take(new StoredRefundAttempt(letGo.Change, "tag2"), "b", Now, Lease).Result);
    }
}
