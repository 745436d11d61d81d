import Metrics

/// Every metric the network server emits.
struct NSMetrics: Sendable {
    /// `ns_uplinks_dropped_total{reason}`.
    let dropped: [DropReason: Counter]
    /// `ns_uplinks_total{type}`: accepted uplinks by kind (data, join).
    let accepted: [String: Counter]
    /// `ns_downlinks_total`.
    let downlinks: Counter
    /// `ns_downlinks_before_commit_total`: class A answers sent at once, their counter already
    /// stored ahead (the rest wait for the next commit).
    let downlinksBeforeCommit: Counter
    /// `ns_tx_ack_errors_total`.
    let txAckErrors: Counter
    /// `ns_session_commits_total`: write-behind transactions committed.
    let commits: Counter
    /// `ns_uplinks_heard_total`: frames received from gateways, every copy counted.
    let heard = Counter(label: "ns_uplinks_heard_total")
    /// `ns_uplinks_unique_total`: distinct PHYPayloads (deduplication windows opened).
    let unique = Counter(label: "ns_uplinks_unique_total")
    /// `ns_dedup_ratio`: heard ÷ unique since start (1 = every uplink heard by one gateway).
    let dedupRatio = Gauge(label: "ns_dedup_ratio")
    /// `ns_dedup_windows_closed_total{how}`: windows closed `early` (every expected gateway
    /// reported) or at the `deadline`.
    let windowsClosed: [String: Counter] = ["early": Counter(label: "ns_dedup_windows_closed_total", dimensions: [("how", "early")]),
                                            "deadline": Counter(label: "ns_dedup_windows_closed_total", dimensions: [("how", "deadline")])]

    init() {
        var d: [DropReason: Counter] = [:]
        for r in DropReason.allCases { d[r] = Counter(label: "ns_uplinks_dropped_total", dimensions: [("reason", r.rawValue)]) }
        dropped = d
        accepted = ["data": Counter(label: "ns_uplinks_total", dimensions: [("type", "data")]),
                    "join": Counter(label: "ns_uplinks_total", dimensions: [("type", "join")])]
        downlinks = Counter(label: "ns_downlinks_total")
        downlinksBeforeCommit = Counter(label: "ns_downlinks_before_commit_total")
        txAckErrors = Counter(label: "ns_tx_ack_errors_total")
        commits = Counter(label: "ns_session_commits_total")
    }
}
