/// The protocol-version byte (byte 0 of every datagram).
///
/// Version 1 is the original packet forwarder; version 2 (PROTOCOL.TXT v1.3+) added TX_ACK. The
/// layouts are otherwise identical, so both are accepted and every answer echoes the version of
/// the datagram it answers.
public enum ProtocolVersion: UInt8, Sendable, Hashable, Codable {
    case v1 = 1
    case v2 = 2
}

/// The packet-type byte (byte 3 of every datagram).
public enum PacketType: UInt8, Sendable, Hashable, CaseIterable {
    case pushData = 0x00
    case pushAck = 0x01
    case pullData = 0x02
    case pullResp = 0x03
    case pullAck = 0x04
    case txAck = 0x05

    /// A stable snake_case name for metrics (`gw_udp_datagrams_total{type}`).
    public var name: String {
        switch self {
        case .pushData: return "push_data"
        case .pushAck: return "push_ack"
        case .pullData: return "pull_data"
        case .pullResp: return "pull_resp"
        case .pullAck: return "pull_ack"
        case .txAck: return "tx_ack"
        }
    }
}
