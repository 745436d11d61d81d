import Metrics

/// Metrics of the glue that lives in ServerApp: rule evaluation and analytics queries
/// (created once per service; fixed dimensions).
struct RuleMetrics: Sendable {
    /// `rules_evaluations_total{result}`: a rule evaluated on a message (`fired`, `condition_false`).
    let fired = Counter(label: "rules_evaluations_total", dimensions: [("result", "fired")])
    let conditionFalse = Counter(label: "rules_evaluations_total", dimensions: [("result", "condition_false")])
    /// `rules_action_failures_total`: actions that failed (each runs the rule's error action).
    let actionFailures = Counter(label: "rules_action_failures_total")
}

/// `analytics_query_duration_seconds{result}`: SQL queries answered over HTTP (`ok`, `error`).
struct QueryMetrics: Sendable {
    let ok = Timer(label: "analytics_query_duration_seconds", dimensions: [("result", "ok")])
    let error = Timer(label: "analytics_query_duration_seconds", dimensions: [("result", "error")])
}
