using RetailFunctions.Host;
using RetailFunctions.Host.Api;
using RetailFunctions.Host.Modules;
using RetailFunctions.Host.Settings;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddLocalSettings(builder.Environment.ContentRootPath);
var settings = RuntimeSettings.From(builder.Configuration);
var hostJson = HostJson.Read(HostJsonPath(builder.Environment.ContentRootPath), builder.Configuration);

builder.WebHost.UseUrls(settings.EffectiveUrls);
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = Math.Max(hostJson.MaxRequestBodySizeBytes, settings.PosMaxBodyBytes));
builder.Logging.AddHostJsonLevels(hostJson, builder.Configuration);
builder.AddRetailTelemetry();
builder.Services.AddRetailFunctions(settings, hostJson);
builder.Services.AddPilot(builder.Configuration);
builder.Services.AddOrders(builder.Configuration);
builder.Services.AddCustomers(builder.Configuration);
builder.Services.AddFinance(builder.Configuration);
builder.Services.AddReconciliation(builder.Configuration);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
builder.Services.AddOpenApi();
builder.Services.AddProblemDetails();

var app = builder.Build();
if (settings.FunctionKey is { } key)
    app.UseMiddleware<FunctionKeyMiddleware>(key);
else
    app.Logger.LogWarning("Api:FunctionKey is not set: the API is unprotected and bound to loopback only ({Urls})", settings.EffectiveUrls);

var api = app.MapGroup($"/{hostJson.RoutePrefix}");
api.MapOpenApi("/openapi/{documentName}.json");
api.MapHealth();
api.MapIngestion();
api.MapQueries();
api.MapInventory();
api.MapOperations();
api.MapOrders();
api.MapCustomers();
api.MapFinance();
api.MapReconciliation();
api.MapPilot();
app.MapConsole(hostJson.RoutePrefix);

app.Run();

// host.json lives at the repository root (the content root of `eng/start.sh`) and is copied beside the binary.
static string HostJsonPath(string contentRoot) =>
    File.Exists(Path.Combine(contentRoot, "host.json")) ? Path.Combine(contentRoot, "host.json") : Path.Combine(AppContext.BaseDirectory, "host.json");

/// <summary>Entry point, visible to the end-to-end tests' host factory.</summary>
public partial class Program;
