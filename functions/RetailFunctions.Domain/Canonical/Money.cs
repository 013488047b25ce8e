namespace RetailFunctions.Domain.Canonical;

/// <summary>An amount in one currency. Decimal, never double: money must add up to the cent.</summary>
public readonly record struct Money(decimal Amount, string Currency)
{
    public static Money Zero(string currency) => new(0m, currency);

    public override string ToString() => $"{Amount:0.00####} {Currency}";
}
