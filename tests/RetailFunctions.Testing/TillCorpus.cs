namespace RetailFunctions.Testing;

/// <summary>
/// The project's own till money conformance corpus (ARTS POSLog, written from the schema's documentation), copied
/// beside every test assembly that references this project.
/// </summary>
public static class TillCorpus
{
    /// <summary>
    /// Receipts that reproduce their own totals: US sales tax, EU VAT included, a yen store, and store 301's constructs (a
    /// gift card sold, a foreign-currency tender, a tax exemption and override, NCR ACS totals, a post-void).
    /// </summary>
    public static IReadOnlyList<string> Consistent { get; } = ["us_store_101.xml", "eu_store_201.xml", "jp_store_401.xml", "constructs_store_301.xml"];

    /// <summary>A receipt whose own total disagrees with its lines.</summary>
    public const string Mismatch = "mismatch_store_101.xml";

    /// <summary>A receipt whose grand total agrees with its lines but whose NCR ACS gross total and a line's extended discount do not.</summary>
    public const string AcsMismatch = "acs_mismatch_store_301.xml";

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "TillCorpus", name);
}
