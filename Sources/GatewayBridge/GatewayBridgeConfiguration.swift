/// Configuration of the packet-forwarder UDP listener.
public struct GatewayBridgeConfiguration: Codable, Sendable, Hashable {
    /// Address to bind; loopback by default (DESIGN.md: every port binds to 127.0.0.1 unless configured).
    public var host: String = "127.0.0.1"
    /// UDP port; 1700 is the packet forwarder's default. 0 picks an ephemeral port (tests).
    public var port: Int = 1700
    /// When true, a gateway that is not registered is accepted and reported as
    /// `GatewayBridgeEvent.gatewayRegistered`; when false its datagrams are refused (not acknowledged).
    public var autoRegisterGateways: Bool = true
    /// Minimum interval between two log lines about malformed traffic from one gateway, in seconds.
    public var malformedLogIntervalSeconds: Int = 60
    /// Datagrams read per syscall (vector reads).
    public var vectorReadCount: Int = 16
    /// Socket receive buffer (SO_RCVBUF) in bytes: room for bursts while the event loop is busy
    /// (4 MiB ≈ 12 000 typical PUSH_DATA datagrams; Linux caps it at net.core.rmem_max).
    public var receiveBufferBytes: Int = 4 << 20

    public init(host: String = "127.0.0.1", port: Int = 1700, autoRegisterGateways: Bool = true,
                malformedLogIntervalSeconds: Int = 60, vectorReadCount: Int = 16, receiveBufferBytes: Int = 4 << 20) {
        self.host = host
        self.port = port
        self.autoRegisterGateways = autoRegisterGateways
        self.malformedLogIntervalSeconds = malformedLogIntervalSeconds
        self.vectorReadCount = vectorReadCount
        self.receiveBufferBytes = receiveBufferBytes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GatewayBridgeConfiguration()
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        autoRegisterGateways = try c.decodeIfPresent(Bool.self, forKey: .autoRegisterGateways) ?? d.autoRegisterGateways
        malformedLogIntervalSeconds = try c.decodeIfPresent(Int.self, forKey: .malformedLogIntervalSeconds) ?? d.malformedLogIntervalSeconds
        vectorReadCount = try c.decodeIfPresent(Int.self, forKey: .vectorReadCount) ?? d.vectorReadCount
        receiveBufferBytes = try c.decodeIfPresent(Int.self, forKey: .receiveBufferBytes) ?? d.receiveBufferBytes
    }
}
