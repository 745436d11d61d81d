import Metrics
import PacketForwarder

/// Every metric the gateway bridge emits (created once; fixed, low-cardinality dimensions).
struct BridgeMetrics: Sendable {
    /// `gw_udp_datagrams_total{type}`: datagrams received by packet type.
    let datagrams: [PacketType: Counter]
    /// `gw_udp_malformed_total{reason}`: datagrams or rxpk refused as malformed.
    let malformed: [String: Counter]
    /// `gw_udp_refused_total{reason}`: well-formed datagrams refused (unknown gateway, CRC).
    let refused: [String: Counter]
    /// `gw_uplink_frames_total`: frames handed to the network server.
    let uplinkFrames: Counter
    /// `gw_downlinks_total`: PULL_RESP datagrams sent.
    let downlinks: Counter

    static let malformedReasons = ["too_short", "unsupported_version", "unknown_packet_type", "invalid_json",
                                   "missing_field", "invalid_field", "invalid_base64", "size_mismatch", "unexpected_type"]

    init() {
        var d: [PacketType: Counter] = [:]
        for t in PacketType.allCases { d[t] = Counter(label: "gw_udp_datagrams_total", dimensions: [("type", t.name)]) }
        datagrams = d
        var m: [String: Counter] = [:]
        for r in Self.malformedReasons { m[r] = Counter(label: "gw_udp_malformed_total", dimensions: [("reason", r)]) }
        malformed = m
        var r: [String: Counter] = [:]
        for reason in ["unknown_gateway", "crc_bad"] { r[reason] = Counter(label: "gw_udp_refused_total", dimensions: [("reason", reason)]) }
        refused = r
        uplinkFrames = Counter(label: "gw_uplink_frames_total")
        downlinks = Counter(label: "gw_downlinks_total")
    }
}
