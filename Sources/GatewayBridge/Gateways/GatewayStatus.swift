public import LoRaWAN

/// What the bridge knows about one gateway: where it is, when it was last heard, and its counters.
public struct GatewayStatus: Sendable, Hashable, Codable {
    public var gatewayEUI: EUI64
    /// The UDP address PULL_RESP datagrams go to (learned from PULL_DATA), as "host:port".
    public var downlinkAddress: String?
    /// Protocol version of the gateway's last datagram.
    public var protocolVersion: UInt8
    /// Wall-clock time of the last datagram, in milliseconds since the Unix epoch.
    public var lastSeenMillis: Int64
    /// Wall-clock time of the last stat report.
    public var lastStatMillis: Int64?
    /// Position from the last stat report that carried one.
    public var location: GatewayLocation?
    /// Counters as the gateway reports them in `stat` (cumulative per reporting interval).
    public var rxReceived: UInt64 = 0
    public var rxOK: UInt64 = 0
    public var rxForwarded: UInt64 = 0
    public var txEmitted: UInt64 = 0
    public var downlinksReceived: UInt64 = 0
    public var ackRatio: Double?
    public var temperature: Double?
    /// Counters kept by the bridge itself.
    public var uplinkFrames: UInt64 = 0
    public var downlinksSent: UInt64 = 0
    public var txAcksOK: UInt64 = 0
    public var txAcksFailed: UInt64 = 0
    public var malformedDatagrams: UInt64 = 0

    public init(gatewayEUI: EUI64, protocolVersion: UInt8, lastSeenMillis: Int64) {
        self.gatewayEUI = gatewayEUI
        self.protocolVersion = protocolVersion
        self.lastSeenMillis = lastSeenMillis
    }
}
