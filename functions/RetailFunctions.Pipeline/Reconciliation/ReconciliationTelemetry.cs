using System.Diagnostics.Metrics;
using RetailFunctions.Pipeline.Telemetry;

namespace RetailFunctions.Pipeline.Reconciliation;

/// <summary>The reconciliation's metric, on the pipeline's meter: what the infra alert on differences watches.</summary>
public static class ReconciliationTelemetry
{
    public static readonly Counter<long> Differences = PipelineTelemetry.Meter.CreateCounter<long>(
        "retail.reconciliation.differences", description: "Differences found by a reconciliation run, by area and cause");
}
