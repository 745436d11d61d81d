import Metrics

/// Every metric the telemetry store emits (created once per store; no dimensions).
struct StoreMetrics: Sendable {
    /// `store_points_written_total`: points committed by `write(_:)` (ingest, rules, import).
    let pointsWritten = Counter(label: "store_points_written_total")
    /// `store_chunks_written_total`: compressed chunks written (new or merged) by compaction.
    let chunksWritten = Counter(label: "store_chunks_written_total")
    /// `store_points_compacted_total`: points moved from the hot table into chunks.
    let rowsCompacted = Counter(label: "store_points_compacted_total")
    /// `store_compactions_total`: completed compaction passes.
    let compactions = Counter(label: "store_compactions_total")
}
