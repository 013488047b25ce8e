namespace RetailFunctions.Pipeline.Scheduling;

/// <summary>
/// The six-field CRON expressions Azure Functions timer triggers use ({second} {minute} {hour} {day} {month}
/// {day-of-week}), so host.json schedules mean the same in the local runtime. Each field takes *, a number, a range
/// (a-b), a list (a,b) and a step (*/n or a-b/n). Times are UTC.
/// </summary>
public sealed class CronSchedule
{
    private readonly bool[][] _allowed;

    private static readonly (int Min, int Max, string Name)[] Fields =
        [(0, 59, "second"), (0, 59, "minute"), (0, 23, "hour"), (1, 31, "day"), (1, 12, "month"), (0, 6, "day-of-week")];

    private CronSchedule(bool[][] allowed, string expression)
    {
        _allowed = allowed;
        Expression = expression;
    }

    public string Expression { get; }

    public static CronSchedule Parse(string expression)
    {
        var parts = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6)
            throw new FormatException($"'{expression}' is not a six-field CRON expression ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}})");
        var allowed = new bool[6][];
        for (var i = 0; i < 6; i++)
            allowed[i] = ParseField(parts[i], Fields[i].Min, Fields[i].Max, Fields[i].Name, expression);
        return new CronSchedule(allowed, expression);
    }

    /// <summary>The first matching second strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset after)
    {
        var t = new DateTimeOffset(after.UtcDateTime.Year, after.UtcDateTime.Month, after.UtcDateTime.Day,
            after.UtcDateTime.Hour, after.UtcDateTime.Minute, after.UtcDateTime.Second, TimeSpan.Zero).AddSeconds(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_allowed[4][t.Month]) { t = new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1); continue; }
            if (!_allowed[3][t.Day] || !_allowed[5][(int)t.DayOfWeek]) { t = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1); continue; }
            if (!_allowed[2][t.Hour]) { t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero).AddHours(1); continue; }
            if (!_allowed[1][t.Minute]) { t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1); continue; }
            if (!_allowed[0][t.Second]) { t = t.AddSeconds(1); continue; }
            return t;
        }
        throw new InvalidOperationException($"'{Expression}' never fires");
    }

    private static bool[] ParseField(string field, int min, int max, string name, string expression)
    {
        var allowed = new bool[max + 1];
        foreach (var item in field.Split(','))
        {
            var (range, step) = item.Split('/') switch
            {
                [var r] => (r, 1),
                [var r, var s] when int.TryParse(s, out var n) && n > 0 => (r, n),
                _ => throw Invalid(),
            };
            var (from, to) = range switch
            {
                "*" => (min, max),
                _ when range.Split('-') is [var a, var b] && int.TryParse(a, out var lo) && int.TryParse(b, out var hi) => (lo, hi),
                _ when int.TryParse(range, out var single) => (single, step > 1 ? max : single),
                _ => throw Invalid(),
            };
            if (from < min || to > max || from > to) throw Invalid();
            for (var v = from; v <= to; v += step) allowed[v] = true;
        }
        return allowed;

        FormatException Invalid() => new($"'{expression}': the {name} field '{field}' is not valid (allowed {min}-{max}, *, lists, ranges and steps)");
    }
}
