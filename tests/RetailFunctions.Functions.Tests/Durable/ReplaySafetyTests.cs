using System.Reflection;
using System.Reflection.Emit;
using RetailFunctions.Functions.Core.Workflows;
using RetailFunctions.Functions.Workflows;

namespace RetailFunctions.Functions.Tests.Durable;

/// <summary>
/// Orchestrator code is replayed from its history on every event, so it must decide the same way each time: no wall
/// clock, no random numbers or new GUIDs, no I/O, no threads or delays of its own. This reads the IL of everything
/// the orchestrator runs (the loop, the plan, the Durable context adapter, their compiler-made state machines) and
/// lists every call that breaks that.
/// </summary>
public sealed class ReplaySafetyTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private static readonly string[] ForbiddenTypes =
        ["System.Random", "System.TimeProvider", "System.Environment", "System.Threading.Thread", "System.Diagnostics.Stopwatch"];

    private static readonly string[] ForbiddenNamespaces =
        ["System.IO", "System.Net", "Azure", "RetailFunctions.Storage", "Microsoft.Extensions.Configuration"];

    private static readonly string[] ForbiddenMembers =
    [
        "System.DateTime.get_Now", "System.DateTime.get_UtcNow", "System.DateTime.get_Today", "System.DateTimeOffset.get_Now",
        "System.DateTimeOffset.get_UtcNow", "System.Guid.NewGuid", "System.Guid.CreateVersion7", "System.Threading.Tasks.Task.Delay",
        "System.Threading.Tasks.Task.Run",
    ];

    private static IEnumerable<MethodBase> WithNested(Type type) =>
        type.GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public).SelectMany(WithNested)
            .Concat(type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static));

    private static IEnumerable<MethodBase> OrchestratorCode() =>
        WithNested(typeof(OrderOrchestration))
            .Concat(WithNested(typeof(OrderWorkflowPlan)))
            .Concat(WithNested(typeof(DurableOrderWorkflowContext)))
            .Append(typeof(OrderWorkflowFunctions).GetMethod(nameof(OrderWorkflowFunctions.Orchestrate))!)
            .Append(typeof(StoreActions).GetMethod(nameof(StoreActions.IsRefresh))!);

    /// <summary>Every method a method's IL calls, creates or takes the address of.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        for (var i = 0; i < il.Length;)
        {
            var code = il[i] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += code.Size;
            if (code.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, i);
                var genericMethodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
                var genericTypeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
                if (method.Module.ResolveMethod(token, genericTypeArguments, genericMethodArguments) is { } callee) yield return callee;
            }
            i += code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
    }

    private static string? Violation(MethodBase callee)
    {
        var type = callee.DeclaringType?.FullName ?? "";
        var name = $"{type}.{callee.Name}";
        if (ForbiddenMembers.Contains(name) || ForbiddenTypes.Contains(type)) return name;
        return ForbiddenNamespaces.Any(ns => type.StartsWith(ns + ".", StringComparison.Ordinal)) ? name : null;
    }

    private static List<string> Violations(IEnumerable<MethodBase> methods) =>
        methods.SelectMany(m => Callees(m).Select(Violation).OfType<string>().Select(v => $"{m.DeclaringType?.Name}.{m.Name} calls {v}")).ToList();

    private static DateTimeOffset ReadsTheWallClock() => DateTimeOffset.UtcNow;

    private static Guid MakesAGuid() => Guid.NewGuid();

    [Fact]
    public void GivenTheOrchestratorCode_WhenItsCallsAreRead_ThenNoneReadsTheClockDrawsRandomnessOrDoesIo()
    {
        var methods = OrchestratorCode().ToList();

        Assert.True(methods.Count > 10, $"only {methods.Count} methods read: the orchestrator code was not found");
        Assert.Empty(Violations(methods));
    }

    [Fact]
    public void GivenCodeThatReadsTheWallClockOrMakesAGuid_WhenItsCallsAreRead_ThenBothAreReported()
    {
        var violations = Violations([((Func<DateTimeOffset>)ReadsTheWallClock).Method, ((Func<Guid>)MakesAGuid).Method]);

        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.EndsWith("System.DateTimeOffset.get_UtcNow", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.EndsWith("System.Guid.NewGuid", StringComparison.Ordinal));
    }
}
