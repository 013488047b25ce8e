namespace RetailFunctions.Testing;

/// <summary>
/// The project's own till money conformance corpus (ARTS POSLog, written from the schema's documentation), copied
/// beside every test assembly that references this project.
/// </summary>
public static class TillCorpus
{
    /// <summary>Receipts that reproduce their own totals: US sales tax, EU VAT included, a yen store.</summary>
    public static IReadOnlyList<string> Consistent { get; } = ["us_store_101.xml", "eu_store_201.xml", "jp_store_401.xml"];

    /// <summary>A receipt whose own total disagrees with its lines.</summary>
    public const string Mismatch = "mismatch_store_101.xml";

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "TillCorpus", name);
}
