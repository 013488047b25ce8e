using Xunit;

namespace RetailFunctions.Testing;

/// <summary>A fact that reads ../shared/fixtures: skipped, with the reason shown, when the folder is absent.</summary>
public sealed class SharedFixtureFactAttribute : FactAttribute
{
    public SharedFixtureFactAttribute()
    {
        if (SharedFixtures.Root is null)
            Skip = SharedFixtures.MissingMessage;
    }
}

/// <summary>A theory over ../shared/fixtures files: skipped, with the reason shown, when the folder is absent.</summary>
public sealed class SharedFixtureTheoryAttribute : TheoryAttribute
{
    public SharedFixtureTheoryAttribute()
    {
        if (SharedFixtures.Root is null)
            Skip = SharedFixtures.MissingMessage;
    }
}
