using RetailFunctions.Domain.Operations;

namespace RetailFunctions.Domain.Tests;

public sealed class OperationsRolesTests
{
    [Theory]
    [InlineData("operator", "finance", true)]
    [InlineData("operator", "ops", true)]
    [InlineData(null, "crm", true)]
    [InlineData("inventory-manager", "inventory", true)]
    [InlineData("store-manager", "inventory", true)]
    [InlineData("inventory-manager", "finance", false)]
    [InlineData("finance", "finance", true)]
    [InlineData("finance", "inventory", false)]
    [InlineData("crm", "crm", true)]
    [InlineData("crm", "ops", false)]
    [InlineData("marketing", "crm", false)]
    [InlineData("", "inventory", false)]
    public void ARoleWorksOnlyTheExceptionsOfTheOwnersItAnswersFor(string? role, string owner, bool allowed) =>
        Assert.Equal(allowed, OperationsRoles.ExceptionRefusal(role, owner) is null);

    [Fact]
    public void ARefusalNamesWhatTheRoleAnswersFor() =>
        Assert.Equal("role 'finance' may not work inventory exceptions; it answers for finance",
            OperationsRoles.ExceptionRefusal("finance", "inventory"));

    [Theory]
    [InlineData("operator", true)]
    [InlineData(null, true)]
    [InlineData("finance", false)]
    [InlineData("", false)]
    public void OnlyTheOperatorOrARolelessToolWorksDeadLetters(string? role, bool allowed) =>
        Assert.Equal(allowed, OperationsRoles.DeadLetterRefusal(role) is null);

    [Theory]
    [InlineData("operator", true)]
    [InlineData(null, true)]
    [InlineData("inventory-manager", true)]
    [InlineData("store-manager", true)]
    [InlineData("finance", false)]
    [InlineData("crm", false)]
    [InlineData("", false)]
    public void OnlyTheOperatorTheStockRolesOrARolelessToolReplaysArchivedInput(string? role, bool allowed) =>
        Assert.Equal(allowed, OperationsRoles.ReplayRefusal(role) is null);
}
