import Metrics

/// Every metric hook delivery emits (created once per dispatcher; no dimensions).
struct HookMetrics: Sendable {
    /// `hooks_attempts_total`: delivery attempts (webhook POSTs, MQTT publishes).
    let attempts = Counter(label: "hooks_attempts_total")
    /// `hooks_deliveries_total`: attempts that delivered.
    let delivered = Counter(label: "hooks_deliveries_total")
    /// `hooks_delivery_failures_total`: attempts that failed (retried later or given up).
    let failures = Counter(label: "hooks_delivery_failures_total")
    /// `hooks_deliveries_abandoned_total`: deliveries given up (permanent error or retries exhausted).
    let abandoned = Counter(label: "hooks_deliveries_abandoned_total")
}
