using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Host;

/// <summary>
/// OpenTelemetry for the runtime: the pipeline's spans and metrics plus ASP.NET Core and HttpClient instrumentation,
/// exported to Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set, to an OTLP collector when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set, and to the console when Telemetry:Console is true. Logs carry the business keys
/// of the message being handled as scopes.
/// </summary>
public static class Telemetry
{
    public static WebApplicationBuilder AddRetailTelemetry(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var appInsights = config["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var otlp = !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var console = config.GetValue("Telemetry:Console", false);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("retailfunctions", serviceInstanceId: Environment.MachineName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(PipelineTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(appInsights)) tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = appInsights);
                if (otlp) tracing.AddOtlpExporter();
                if (console) tracing.AddConsoleExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PipelineTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(appInsights)) metrics.AddAzureMonitorMetricExporter(o => o.ConnectionString = appInsights);
                if (otlp) metrics.AddOtlpExporter();
                if (console) metrics.AddConsoleExporter();
            });
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeScopes = true;
            logging.IncludeFormattedMessage = true;
            if (!string.IsNullOrWhiteSpace(appInsights)) logging.AddAzureMonitorLogExporter(o => o.ConnectionString = appInsights);
            if (otlp) logging.AddOtlpExporter();
        });
        return builder;
    }
}
