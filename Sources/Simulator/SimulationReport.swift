/// The result of a run, printed as one JSON object by `lorikeet simulate`.
///
/// Losses and failures are what a correct server on an unloaded machine never produces: the
/// command exits non-zero when either is non-zero.
public struct SimulationReport: Codable, Sendable, Hashable {
    public var devices: Int
    public var gateways: Int
    public var region: String
    public var macVersion: String
    /// Join-requests sent (retries included).
    public var joinRequests: Int
    /// Devices whose join-accept arrived and verified.
    public var joins: Int
    /// Data uplinks sent (one per device transmission, however many gateways heard it).
    public var uplinksSent: Int
    /// Confirmed data uplinks among them.
    public var confirmedSent: Int
    /// Confirmed uplinks answered by a downlink with ACK set.
    public var uplinksAcknowledged: Int
    /// Downlinks (PULL_RESP) received and matched to a device's receive window.
    public var downlinks: Int
    /// MAC commands received in downlinks / answered by the devices in later uplinks.
    public var macCommandsReceived: Int
    public var macCommandsAnswered: Int
    /// PUSH_DATA datagrams sent (every copy of every uplink and join-request).
    public var pushDataSent: Int
    public var pushAcks: Int
    public var pullAcks: Int
    /// TX_ACKs the gateways sent back for PULL_RESPs.
    public var txAcks: Int
    /// PULL_RESP latency from the last PUSH_DATA of an uplink to its PULL_RESP, data downlinks.
    public var latencyMillis: Percentiles
    /// The same for join-accepts.
    public var joinLatencyMillis: Percentiles
    public var losses: Losses
    public var failures: Failures
    /// Wall-clock seconds of the whole run (provisioning excluded).
    public var seconds: Double
    /// Seconds of the uplink phase and the data-uplink rate achieved in it.
    public var uplinkSeconds: Double
    public var uplinkRate: Double

    /// Latency distribution in milliseconds (nearest-rank percentiles); zeros when `count` is 0.
    public struct Percentiles: Codable, Sendable, Hashable {
        public var count: Int
        public var p50: Double
        public var p99: Double
        public var max: Double

        /// Nearest-rank percentiles of `samples` (milliseconds).
        public init(samples: [Double]) {
            let sorted = samples.sorted()
            count = sorted.count
            func rank(_ q: Double) -> Double {
                guard !sorted.isEmpty else { return 0 }
                let r = Int((q * Double(sorted.count)).rounded(.up))
                return sorted[Swift.max(0, Swift.min(sorted.count - 1, r - 1))]
            }
            p50 = Self.round(rank(0.5))
            p99 = Self.round(rank(0.99))
            max = Self.round(sorted.last ?? 0)
        }

        static func round(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
    }

    /// Frames that got no answer although the protocol requires one.
    public struct Losses: Codable, Sendable, Hashable {
        /// Devices that never received a valid join-accept (after all their attempts).
        public var joinsUnanswered: Int
        /// Confirmed uplinks without an ACK in RX1 or RX2.
        public var confirmedUnacknowledged: Int
        /// PUSH_DATA without PUSH_ACK.
        public var pushDataUnacknowledged: Int
        public var total: Int { joinsUnanswered + confirmedUnacknowledged + pushDataUnacknowledged }
    }

    /// Downlinks that were wrong.
    public struct Failures: Codable, Sendable, Hashable {
        /// Join-accepts or data downlinks whose MIC did not verify (or that did not decrypt).
        public var mic: Int
        /// PULL_RESPs whose `tmst` was no receive window (RX1/RX2 after an uplink that gateway
        /// heard), whose frequency was not the window's, or that came without `tmst` to a class A device.
        public var timing: Int
        /// Data downlinks whose FCnt did not increase.
        public var fCnt: Int
        /// Downlinks with ACK set that answered no confirmed uplink.
        public var unexpectedAck: Int
        /// PULL_RESPs that did not parse (datagram, JSON, base64, PHYPayload).
        public var malformed: Int
        /// Downlinks sent through a gateway other than the one that heard the uplink best.
        public var notViaBestGateway: Int
        public var total: Int { mic + timing + fCnt + unexpectedAck + malformed + notViaBestGateway }
    }
}
