#pragma once

class Application;
class MetricsEndpoint;

// Adds the server's families to /metrics: the one place that knows where each number lives
// (docs/metrics.md lists them all).
namespace MetricsWiring {
void install(MetricsEndpoint &metrics, Application &app);
} // namespace MetricsWiring
