namespace RetailFunctions.Domain.Orders;

/// <summary>A line quantity still to be placed somewhere.</summary>
public sealed record StockNeed(string LineId, string Sku, decimal Quantity);

public sealed record RoutePlan(IReadOnlyList<(string Location, IReadOnlyList<StockNeed> Lines)> Shipments, IReadOnlyList<Backorder> Backorders);

/// <summary>
/// Ship from store: each line goes to the nearest location that can promise it, the deeper stock winning a tie, and
/// an order that no single location can fill is split into one shipment per location. When the customer's position
/// is unknown, the preferred location (the warehouse) goes first, then the deepest stock.
/// </summary>
public static class FulfilmentRouter
{
    public static RoutePlan Route(
        IReadOnlyList<StockNeed> needs, IReadOnlyList<StockCandidate> candidates, GeoPoint? shipTo, string? preferred,
        IReadOnlyCollection<string> refused)
    {
        // A refusal is per line and location: each line below skips the locations that refused it, and only it.
        var usable = candidates.Where(c => c.Available > 0m).ToList();
        var remaining = usable.ToDictionary(c => (c.Location, c.Sku), c => c.Available);

        if (SingleLocation(needs, usable, remaining, shipTo, preferred, refused) is { } whole)
            return new RoutePlan([(whole, needs)], []);

        var placed = new Dictionary<string, List<StockNeed>>(StringComparer.Ordinal);
        var backorders = new List<Backorder>();
        foreach (var need in needs)
        {
            var left = need.Quantity;
            foreach (var candidate in usable.Where(c => c.Sku == need.Sku && !refused.Contains(RefusalKey(need.LineId, c.Location)))
                         .OrderBy(c => Rank(c.Location, c.Position, shipTo, preferred)).ThenByDescending(c => c.Available).ThenBy(c => c.Location, StringComparer.Ordinal))
            {
                var take = Math.Min(left, remaining[(candidate.Location, candidate.Sku)]);
                if (take <= 0m) continue;
                remaining[(candidate.Location, candidate.Sku)] -= take;
                left -= take;
                if (!placed.TryGetValue(candidate.Location, out var lines)) placed[candidate.Location] = lines = [];
                lines.Add(need with { Quantity = take });
                if (left == 0m) break;
            }
            if (left > 0m)
            {
                var promised = usable.Where(c => c.Sku == need.Sku && !refused.Contains(RefusalKey(need.LineId, c.Location))).Sum(c => c.Available);
                backorders.Add(new Backorder(need.LineId, need.Sku, left,
                    $"only {promised} of {need.Sku} can be promised across all locations; {left} of {need.Quantity} backordered"));
            }
        }
        return new RoutePlan([.. placed.Select(p => (p.Key, (IReadOnlyList<StockNeed>)p.Value))], backorders);
    }

    public static string RefusalKey(string? lineId, string location) => $"{lineId}@{location}";

    private static string? SingleLocation(
        IReadOnlyList<StockNeed> needs, List<StockCandidate> usable, Dictionary<(string, string), decimal> remaining,
        GeoPoint? shipTo, string? preferred, IReadOnlyCollection<string> refused) =>
        usable.GroupBy(c => c.Location)
            .Where(g => needs.All(n => !refused.Contains(RefusalKey(n.LineId, g.Key))
                                       && remaining.TryGetValue((g.Key, n.Sku), out var available)
                                       && available >= needs.Where(m => m.Sku == n.Sku).Sum(m => m.Quantity)))
            .OrderBy(g => Rank(g.Key, g.First().Position, shipTo, preferred))
            .ThenByDescending(g => g.Sum(c => c.Available))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .FirstOrDefault();

    /// <summary>Distance in km when both ends are known; otherwise the preferred location first, the rest equal.</summary>
    private static double Rank(string location, GeoPoint? position, GeoPoint? shipTo, string? preferred) =>
        shipTo is not null && position is not null ? DistanceKm(shipTo, position)
        : shipTo is not null ? double.MaxValue
        : location == preferred ? 0d : 1d;

    /// <summary>Great-circle distance (haversine): plenty for choosing the nearest store.</summary>
    public static double DistanceKm(GeoPoint a, GeoPoint b)
    {
        const double earthRadiusKm = 6371.0088;
        static double Radians(double degrees) => degrees * Math.PI / 180d;
        var dLat = Radians(b.Latitude - a.Latitude);
        var dLon = Radians(b.Longitude - a.Longitude);
        var h = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(Radians(a.Latitude)) * Math.Cos(Radians(b.Latitude)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * earthRadiusKm * Math.Asin(Math.Min(1d, Math.Sqrt(h)));
    }
}
