using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Overseer.Diagnostics;

namespace Overseer.Hosting;

/// <summary>OpenTelemetry for the silo: the Overseer and Orleans meters, always; OTLP export of metrics, and the
/// activity sources' spans, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads it and the other
/// <c>OTEL_EXPORTER_OTLP_*</c> variables).</summary>
internal static class TelemetryExtensions
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Orleans' meter (<c>Orleans.Runtime.OrleansInstruments</c>).</summary>
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Spans of grain-method calls and of system calls (<c>Orleans.Diagnostics.ActivitySources</c>).</summary>
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];

    public static WebApplicationBuilder AddOverseerTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("overseer-silo"))
            .WithMetrics(m =>
            {
                m.AddMeter(OverseerTelemetry.Name, OrleansMeter);
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            });

        // Spans only when something receives them: a tracer provider without an exporter would sample every grain call
        // and every batch into activities that are thrown away (at 10,000 workers, tens of thousands a second).
        if (otlp)
        {
            telemetry.WithTracing(t => t.AddSource([OverseerTelemetry.Name, .. OrleansSources]).AddOtlpExporter());
        }

        return builder;
    }
}
