using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RetailFunctions.Infra.Tests.Support;

/// <summary>
/// One template of a compiled ARM deployment: the main template or a module's nested template. Resolves the
/// simple expressions Bicep emits for values (parameters('x'), variables('x') with property and index
/// accessors), following module parameters up to the template that passed them.
/// </summary>
public sealed partial class ArmTemplate
{
    private readonly JsonObject? _parameterValues;

    public ArmTemplate(string name, JsonObject template, ArmTemplate? parent = null, JsonObject? parameterValues = null)
    {
        Name = name;
        Json = template;
        Parent = parent;
        _parameterValues = parameterValues;
        Resources = EnumerateResources(template).ToList();
    }

    public string Name { get; }

    public JsonObject Json { get; }

    public ArmTemplate? Parent { get; }

    public IReadOnlyList<ArmResource> Resources { get; }

    public JsonObject Parameters => Json["parameters"] as JsonObject ?? [];

    public JsonObject Variables => Json["variables"] as JsonObject ?? [];

    public JsonObject Outputs => Json["outputs"] as JsonObject ?? [];

    /// <summary>This template and every nested module template, depth first.</summary>
    public IEnumerable<ArmTemplate> SelfAndDescendants()
    {
        yield return this;
        foreach (var resource in Resources)
        {
            if (resource.Type != "Microsoft.Resources/deployments")
                continue;
            var nested = resource.Json["properties"]?["template"] as JsonObject
                ?? throw new InvalidOperationException($"Module '{resource.SymbolicName}' has no inline template.");
            var child = new ArmTemplate(resource.SymbolicName, nested, this, resource.Json["properties"]?["parameters"] as JsonObject);
            foreach (var descendant in child.SelfAndDescendants())
                yield return descendant;
        }
    }

    /// <summary>
    /// The value of a template-language expression when it is made only of parameters()/variables() and
    /// accessors; a literal stays as it is; any other expression comes back as its text, unresolved.
    /// </summary>
    public JsonNode? Resolve(JsonNode? node)
    {
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
            return node?.DeepClone();
        if (!text.StartsWith('[') || text.StartsWith("[[", StringComparison.Ordinal) || !text.EndsWith(']'))
            return node.DeepClone();

        var match = SimpleExpression().Match(text);
        if (!match.Success)
            return node.DeepClone();

        var kind = match.Groups["kind"].Value;
        var name = match.Groups["name"].Value;
        JsonNode? resolved;
        if (kind == "variables")
        {
            if (!Variables.TryGetPropertyValue(name, out var variable))
                throw new InvalidOperationException($"Template '{Name}' has no variable '{name}'.");
            resolved = Resolve(variable);
        }
        else if (_parameterValues is not null && _parameterValues[name] is JsonObject passed && passed.ContainsKey("value"))
        {
            resolved = Parent!.Resolve(passed["value"]);
        }
        else if (Parameters[name] is JsonObject declared && declared.ContainsKey("defaultValue"))
        {
            resolved = Resolve(declared["defaultValue"]);
        }
        else
        {
            return node.DeepClone();
        }

        foreach (Match accessor in Accessor().Matches(match.Groups["accessors"].Value))
        {
            if (resolved is null || IsExpression(resolved))
                return node.DeepClone();
            if (accessor.Groups["property"].Success)
                resolved = resolved[accessor.Groups["property"].Value]?.DeepClone();
            else if (accessor.Groups["quoted"].Success)
                resolved = resolved[accessor.Groups["quoted"].Value]?.DeepClone();
            else
                resolved = resolved[int.Parse(accessor.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture)]?.DeepClone();
        }
        return resolved;
    }

    public static bool IsExpression(JsonNode node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && text.StartsWith('[') &&
        !text.StartsWith("[[", StringComparison.Ordinal);

    private static IEnumerable<ArmResource> EnumerateResources(JsonObject template)
    {
        switch (template["resources"])
        {
            // languageVersion 2.0: resources keyed by their symbolic names.
            case JsonObject byName:
                foreach (var (symbolicName, resource) in byName)
                    yield return new ArmResource(symbolicName, (JsonObject)resource!);
                break;
            case JsonArray list:
                foreach (var resource in list.OfType<JsonObject>())
                    yield return new ArmResource(resource["name"]?.ToString() ?? "", resource);
                break;
        }
    }

    [GeneratedRegex(@"^\[(?<kind>parameters|variables)\('(?<name>[^']+)'\)(?<accessors>(?:\.[A-Za-z_$#][\w$#]*|\['[^']*'\]|\[\d+\])*)\]$")]
    private static partial Regex SimpleExpression();

    [GeneratedRegex(@"\.(?<property>[A-Za-z_$#][\w$#]*)|\['(?<quoted>[^']*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex Accessor();
}

/// <summary>A resource of a compiled template, with the template it belongs to.</summary>
public sealed partial record ArmResource(string SymbolicName, JsonObject Json)
{
    public string Type => Json["type"]?.ToString() ?? "";

    public string NameExpression => Json["name"]?.ToString() ?? "";

    public JsonObject Properties => Json["properties"] as JsonObject ?? [];

    public bool IsLoop => Json["copy"] is JsonObject;

    public bool IsExisting => Json["existing"]?.GetValue<bool>() == true;

    /// <summary>
    /// The last name segment of every instance of a copy loop: the loop's name is indexed by copyIndex() into a
    /// list (parameters('x')[copyIndex()]), and that list is resolved through the module parameters.
    /// </summary>
    public IReadOnlyList<string> ExpandLoopNames(ArmTemplate template)
    {
        if (Json["copy"] is not JsonObject copy)
            throw new InvalidOperationException($"Resource '{SymbolicName}' is not a copy loop.");
        var item = LoopItem().Match(NameExpression);
        if (!item.Success)
            throw new InvalidOperationException($"The name of loop '{SymbolicName}' does not index a list with copyIndex(): {NameExpression}");
        var list = item.Groups["list"].Value;

        // The loop must run once per element of that same list.
        var count = copy["count"]?.ToString();
        if (count != $"[length({list})]")
            throw new InvalidOperationException($"Loop '{SymbolicName}' counts {count}, not the length of {list}.");

        var resolved = template.Resolve(JsonValue.Create($"[{list}]"));
        if (resolved is not JsonArray names)
            throw new InvalidOperationException($"The list of loop '{SymbolicName}' ({list}) does not resolve to an array: {resolved?.ToJsonString()}");
        return names.Select(n => n!.GetValue<string>()).ToList();
    }

    [GeneratedRegex(@"(?<list>(?:parameters|variables)\('[^']+'\)(?:\.[A-Za-z_$#][\w$#]*)*)\[copyIndex\(\)\]")]
    private static partial Regex LoopItem();
}
