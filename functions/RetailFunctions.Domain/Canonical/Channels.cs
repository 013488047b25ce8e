namespace RetailFunctions.Domain.Canonical;

/// <summary>Sales channels an order or a movement can come from. Strings, so new channels need no migration.</summary>
public static class Channels
{
    public const string Web = "web";
    public const string Pos = "pos";
    public const string App = "app";
    public const string Marketplace = "marketplace";
    public const string Curbside = "curbside";
}

/// <summary>Systems whose identifiers we cross-reference (SKUs, locations, customers).</summary>
public static class SourceSystems
{
    public const string Shopify = "shopify";
    public const string Pos = "pos";
}
