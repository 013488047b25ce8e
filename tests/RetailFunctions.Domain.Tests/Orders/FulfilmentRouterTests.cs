using RetailFunctions.Domain.Orders;

namespace RetailFunctions.Domain.Tests.Orders;

public sealed class FulfilmentRouterTests
{
    private static readonly GeoPoint Amsterdam = new(52.3676, 4.9041);
    private static readonly GeoPoint Haarlem = new(52.3874, 4.6462);
    private static readonly GeoPoint Rotterdam = new(51.9244, 4.4777);

    private static StockNeed Need(string lineId, string sku, decimal quantity) => new(lineId, sku, quantity);

    private static StockCandidate At(string location, string sku, decimal available, GeoPoint? position) => new(location, sku, available, position);

    private static RoutePlan Route(IReadOnlyList<StockNeed> needs, GeoPoint? shipTo, string? preferred = null, IReadOnlyCollection<string>? refused = null,
        params StockCandidate[] candidates) => FulfilmentRouter.Route(needs, candidates, shipTo, preferred, refused ?? []);

    private static (string Location, string Line, decimal Quantity)[] Placed(RoutePlan plan) =>
        [.. plan.Shipments.SelectMany(s => s.Lines.Select(l => (s.Location, l.LineId, l.Quantity)))];

    [Fact]
    public void GivenTwoCities_WhenMeasured_ThenTheDistanceIsTheGreatCircleOne()
    {
        Assert.InRange(FulfilmentRouter.DistanceKm(Amsterdam, Rotterdam), 56d, 59d);
        Assert.Equal(0d, FulfilmentRouter.DistanceKm(Amsterdam, Amsterdam));
    }

    [Fact]
    public void GivenStockInSeveralStores_WhenRouted_ThenTheNearestThatCanFillTakesTheWholeOrder()
    {
        var plan = Route([Need("L1", "A", 2m), Need("L2", "B", 1m)], Amsterdam, null, null,
            At("ROT", "A", 9m, Rotterdam), At("ROT", "B", 9m, Rotterdam), At("HAA", "A", 2m, Haarlem), At("HAA", "B", 1m, Haarlem));

        Assert.Equal([("HAA", "L1", 2m), ("HAA", "L2", 1m)], Placed(plan));
        Assert.Empty(plan.Backorders);
    }

    [Fact]
    public void GivenTwoStoresAtTheSameDistance_WhenRouted_ThenTheDeeperStockWins()
    {
        var plan = Route([Need("L1", "A", 1m)], Amsterdam, null, null, At("S1", "A", 3m, Haarlem), At("S2", "A", 8m, Haarlem));

        Assert.Equal([("S2", "L1", 1m)], Placed(plan));
    }

    [Fact]
    public void GivenNoCustomerPosition_WhenRouted_ThenThePreferredLocationGoesFirst()
    {
        var plan = Route([Need("L1", "A", 1m)], null, "WH", null, At("S1", "A", 50m, Haarlem), At("WH", "A", 2m, null));

        Assert.Equal([("WH", "L1", 1m)], Placed(plan));
    }

    [Fact]
    public void GivenNoCustomerPositionAndNoPreference_WhenRouted_ThenTheDeepestStockWins()
    {
        var plan = Route([Need("L1", "A", 1m)], null, null, null, At("S1", "A", 5m, Haarlem), At("S2", "A", 7m, Rotterdam));

        Assert.Equal([("S2", "L1", 1m)], Placed(plan));
    }

    [Fact]
    public void GivenCustomerPosition_WhenALocationHasNone_ThenItComesAfterEveryPlacedOne()
    {
        var plan = Route([Need("L1", "A", 1m)], Amsterdam, "WH", null, At("WH", "A", 500m, null), At("ROT", "A", 1m, Rotterdam));

        Assert.Equal([("ROT", "L1", 1m)], Placed(plan));
    }

    [Fact]
    public void GivenNoSingleStoreCanFill_WhenRouted_ThenEachLineGoesToTheNearestWithStockAsSeparateShipments()
    {
        var plan = Route([Need("L1", "A", 2m), Need("L2", "B", 1m)], Amsterdam, null, null,
            At("HAA", "A", 2m, Haarlem), At("ROT", "A", 1m, Rotterdam), At("ROT", "B", 1m, Rotterdam));

        Assert.Equal([("HAA", "L1", 2m), ("ROT", "L2", 1m)], Placed(plan));
        Assert.Equal(2, plan.Shipments.Count);
    }

    [Fact]
    public void GivenOneLineLargerThanAnyStore_WhenRouted_ThenTheLineIsSplitNearestFirstAndTheRestBackordered()
    {
        var plan = Route([Need("L1", "A", 6m)], Amsterdam, null, null, At("ROT", "A", 3m, Rotterdam), At("HAA", "A", 2m, Haarlem));

        Assert.Equal([("HAA", "L1", 2m), ("ROT", "L1", 3m)], Placed(plan));
        Assert.Equal(new Backorder("L1", "A", 1m, "only 5 of A can be promised across all locations; 1 of 6 backordered"), Assert.Single(plan.Backorders));
    }

    [Fact]
    public void GivenTwoLinesOfTheSameSku_WhenOneStoreHasEnoughForOnlyOne_ThenItsStockIsNotPromisedTwice()
    {
        var plan = Route([Need("L1", "A", 2m), Need("L2", "A", 2m)], Amsterdam, null, null, At("HAA", "A", 3m, Haarlem));

        Assert.Equal([("HAA", "L1", 2m), ("HAA", "L2", 1m)], Placed(plan));
        Assert.Equal(1m, Assert.Single(plan.Backorders).Quantity);
    }

    [Fact]
    public void GivenEmptyOrNegativeStock_WhenRouted_ThenThoseLocationsAreSkipped()
    {
        var plan = Route([Need("L1", "A", 1m)], Amsterdam, null, null, At("HAA", "A", 0m, Haarlem), At("AMS", "A", -2m, Amsterdam), At("ROT", "A", 1m, Rotterdam));

        Assert.Equal([("ROT", "L1", 1m)], Placed(plan));
    }

    [Fact]
    public void GivenALocationRefusedALine_WhenRouted_ThenThatLineAvoidsIt()
    {
        var plan = Route([Need("L1", "A", 1m)], Amsterdam, null, [FulfilmentRouter.RefusalKey("L1", "HAA")], At("HAA", "A", 9m, Haarlem), At("ROT", "A", 1m, Rotterdam));

        Assert.Equal([("ROT", "L1", 1m)], Placed(plan));
    }

    [Fact]
    public void GivenALocationRefusedOneLine_WhenAnotherLineOfTheSameSkuIsRouted_ThenThatLineMayStillUseIt()
    {
        var plan = Route([Need("L1", "A", 1m), Need("L2", "A", 1m)], Amsterdam, null, [FulfilmentRouter.RefusalKey("L1", "HAA")],
            At("HAA", "A", 9m, Haarlem), At("ROT", "A", 1m, Rotterdam));

        Assert.Equal([("ROT", "L1", 1m), ("HAA", "L2", 1m)], Placed(plan));
        Assert.Empty(plan.Backorders);
    }

    [Fact]
    public void GivenALocationRefusedALine_WhenNothingElseCanFillIt_ThenTheBackorderCountsOnlyWhatTheLineMayStillUse()
    {
        var plan = Route([Need("L1", "A", 2m)], Amsterdam, null, [FulfilmentRouter.RefusalKey("L1", "HAA")], At("HAA", "A", 9m, Haarlem), At("ROT", "A", 1m, Rotterdam));

        Assert.Equal([("ROT", "L1", 1m)], Placed(plan));
        Assert.Equal("only 1 of A can be promised across all locations; 1 of 2 backordered", Assert.Single(plan.Backorders).Reason);
    }
}
