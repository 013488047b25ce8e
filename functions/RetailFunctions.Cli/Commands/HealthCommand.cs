using System.CommandLine;
using RetailFunctions.Cli.Formatting;

namespace RetailFunctions.Cli.Commands;

/// <summary>retail health: GET /api/health.</summary>
public static class HealthCommand
{
    public static Command Create(GlobalOptions globals, Terminal terminal)
    {
        var command = new Command("health",
            "Show the runtime's health: each storage dependency (tables, queues, blobs), each queue's depth and oldest message age, " +
            "and the backpressure limits beyond which the edges answer 503. Exits 1 when the status is not healthy.");
        command.SetRuntimeAction(globals, terminal, async (_, cli, ct) =>
        {
            // 503 is how the probe says "unhealthy": its body is the report, not a problem.
            var response = await cli.Api.SendAsync(HttpMethod.Get, "api/health", null, ct);
            if (!response.IsSuccess && !(response.Status == 503 && IsReport(response)))
                throw new RuntimeProblemException(ApiProblem.From(response));
            var health = response.Json();
            if (cli.Json) cli.WriteJson(health);
            else cli.WriteLine(HealthView.Render(health));
            return HealthView.IsHealthy(health) ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static bool IsReport(RuntimeResponse response)
    {
        try
        {
            return response.Json().Member("status") is not null && response.Json().Member("checks") is not null;
        }
        catch (RuntimeProblemException)
        {
            return false;
        }
    }
}
