namespace RetailFunctions.Domain.Catalog;

/// <summary>
/// A store's business day is its own local calendar day, not the UTC date: a return at 21:30 in New York on 20 Nov is
/// 20 Nov's money although it is 21 Nov in UTC. Each location names its IANA time zone; a location that names none,
/// or an unknown location, keeps UTC.
/// </summary>
public static class BusinessDays
{
    public const string DefaultTimeZone = "UTC";

    /// <summary>The local calendar day of a moment in a time zone.</summary>
    public static DateOnly Of(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    /// <summary>The zone an IANA id names, or null with the reason (a typo must not date money in UTC silently).</summary>
    public static (TimeZoneInfo? Zone, string? Error) Parse(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return (TimeZoneInfo.Utc, null);
        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(id.Trim());
            return zone.HasIanaId || zone.Id == TimeZoneInfo.Utc.Id
                ? (zone, null)
                : (null, $"'{id}' is a Windows time zone name; give its IANA id (e.g. America/New_York)");
        }
        catch (TimeZoneNotFoundException)
        {
            return (null, $"'{id}' is not an IANA time zone (e.g. America/New_York, Europe/Amsterdam, UTC)");
        }
        catch (InvalidTimeZoneException ex)
        {
            return (null, $"the time zone '{id}' cannot be read: {ex.Message}");
        }
    }

    /// <summary>The zone of a location as stored; a stored id that no longer resolves falls back to UTC.</summary>
    public static TimeZoneInfo ZoneOf(Location? location) => Parse(location?.TimeZone).Zone ?? TimeZoneInfo.Utc;
}
