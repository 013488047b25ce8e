using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace RetailFunctions.Functions;

/// <summary>The worker's entry point (a named class: the local runtime it references has a global Program).</summary>
public static class FunctionsProgram
{
    public static void Main(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddRetailFunctionsApp(builder.Configuration);
        builder.Build().Run();
    }
}
