namespace RetailFunctions.Storage.Tests;

public sealed class TableKeysTests
{
    [Theory]
    [InlineData("BLU-SHIRT-M", "BLU-SHIRT-M")]
    [InlineData("A/B", "A%2FB")]
    [InlineData("50%#?\\", "50%25%23%3F%5C")]
    public void ForbiddenCharactersAreEscapedReversibly(string value, string escaped)
    {
        Assert.Equal(escaped, TableKeys.Escape(value));
        Assert.Equal(value, TableKeys.Unescape(TableKeys.Escape(value)));
    }
}
