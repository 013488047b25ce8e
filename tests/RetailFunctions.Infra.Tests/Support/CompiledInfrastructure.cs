using System.Text.Json;
using System.Text.Json.Nodes;

namespace RetailFunctions.Infra.Tests.Support;

/// <summary>infra/main.bicep and its parameter files compiled once per test run by the real Bicep compiler.</summary>
public sealed class CompiledInfrastructure
{
    private static readonly Lazy<CompiledInfrastructure> Shared = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    private CompiledInfrastructure(string text, string diagnostics, IReadOnlyDictionary<string, JsonObject> parameterFiles)
    {
        Text = text;
        Diagnostics = diagnostics;
        ParameterFiles = parameterFiles;
        Main = new ArmTemplate("main", JsonNode.Parse(text)!.AsObject());
        Templates = Main.SelfAndDescendants().ToList();
    }

    /// <summary>Compiles on first use; a missing compiler or a failed build fails every test with the reason.</summary>
    public static CompiledInfrastructure Instance => Shared.Value;

    /// <summary>The compiled ARM JSON text of main.bicep.</summary>
    public string Text { get; }

    /// <summary>Warnings and errors the compiler printed while building.</summary>
    public string Diagnostics { get; }

    public ArmTemplate Main { get; }

    /// <summary>The main template and every module template.</summary>
    public IReadOnlyList<ArmTemplate> Templates { get; }

    /// <summary>Each infra/*.bicepparam file (by file name) compiled to a deployment parameters file.</summary>
    public IReadOnlyDictionary<string, JsonObject> ParameterFiles { get; }

    public IEnumerable<(ArmTemplate Template, ArmResource Resource)> ResourcesOfType(string type) =>
        from template in Templates
        from resource in template.Resources
        where string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase) && !resource.IsExisting
        select (template, resource);

    public (ArmTemplate Template, ArmResource Resource) Single(string type)
    {
        var found = ResourcesOfType(type).ToList();
        Assert.True(found.Count == 1, $"Expected exactly one {type} resource, found {found.Count}.");
        return found[0];
    }

    private static CompiledInfrastructure Compile()
    {
        var bicep = BicepCompiler.Locate();
        var outputDirectory = Directory.CreateTempSubdirectory("retail-infra-tests-");
        try
        {
            var mainJson = Path.Combine(outputDirectory.FullName, "main.json");
            var diagnostics = BicepCompiler.Run(bicep, "build", RepositoryPaths.MainBicep, "--outfile", mainJson);

            var parameterFiles = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var parameterFile in Directory.GetFiles(RepositoryPaths.Infra, "*.bicepparam").Order(StringComparer.Ordinal))
            {
                var output = Path.Combine(outputDirectory.FullName, Path.GetFileName(parameterFile) + ".json");
                var parameterDiagnostics = BicepCompiler.Run(bicep, "build-params", parameterFile, "--outfile", output);
                diagnostics = string.Join('\n', new[] { diagnostics, parameterDiagnostics }.Where(d => d.Length > 0));
                parameterFiles[Path.GetFileName(parameterFile)] = JsonNode.Parse(File.ReadAllText(output))!.AsObject();
            }
            return new CompiledInfrastructure(File.ReadAllText(mainJson), diagnostics, parameterFiles);
        }
        finally
        {
            outputDirectory.Delete(recursive: true);
        }
    }

    public static JsonNode ReadJsonFile(string path) =>
        JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        }) ?? throw new InvalidOperationException($"{path} is empty.");
}
