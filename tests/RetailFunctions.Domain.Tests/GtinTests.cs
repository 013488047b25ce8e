using RetailFunctions.Domain.Catalog;

namespace RetailFunctions.Domain.Tests;

public sealed class GtinTests
{
    [Theory]
    [InlineData("012345678905", "00012345678905")]   // UPC-A
    [InlineData("4006381333931", "04006381333931")]  // EAN-13
    [InlineData("96385074", "00000096385074")]       // EAN-8
    [InlineData("10012345678902", "10012345678902")] // GTIN-14
    [InlineData(" 012345678905 ", "00012345678905")]
    public void ValidBarcodesNormalizeToFourteenDigits(string barcode, string expected) =>
        Assert.Equal(expected, Gtin.Normalize(barcode));

    [Theory]
    [InlineData("012345678901")]  // wrong check digit
    [InlineData("3.65275E+11")]   // spreadsheet-mangled
    [InlineData("12345")]         // wrong length
    [InlineData("01234567890A")]
    [InlineData("")]
    [InlineData(null)]
    public void InvalidBarcodesAreRejected(string? barcode) => Assert.Null(Gtin.Normalize(barcode));

    [Theory]
    [InlineData("3.65275E+11", true)]
    [InlineData("3.65E+11", true)]
    [InlineData("365275000000", false)]
    public void SpreadsheetNotationIsRecognised(string barcode, bool mangled) =>
        Assert.Equal(mangled, Gtin.LooksSpreadsheetMangled(barcode));
}
