public import LoRaWAN

/// One datagram of the Semtech UDP packet-forwarder protocol (PROTOCOL.TXT v1/v2).
///
/// Byte layout (all multi-byte integers as noted):
/// ```
/// PUSH_DATA  gw→ns  [ver][token:2][0x00][gatewayEUI:8][JSON {"rxpk":[…],"stat":{…}}]
/// PUSH_ACK   ns→gw  [ver][token:2][0x01]
/// PULL_DATA  gw→ns  [ver][token:2][0x02][gatewayEUI:8]
/// PULL_RESP  ns→gw  [ver][token:2][0x03][JSON {"txpk":{…}}]
/// PULL_ACK   ns→gw  [ver][token:2][0x04]
/// TX_ACK     gw→ns  [ver][token:2][0x05][gatewayEUI:8][optional JSON {"txpk_ack":{…}}]
/// ```
/// The token is an opaque 16-bit value the answer repeats; this type keeps it as the two bytes
/// read big-endian. The gateway EUI is written most significant byte first.
///
/// ```swift
/// let ack = try Datagram(bytes: [0x02, 0x12, 0x34, 0x01])   // PUSH_ACK, token 0x1234
/// ```
public enum Datagram: Sendable, Equatable {
    case pushData(version: ProtocolVersion, token: UInt16, gatewayEUI: EUI64, payload: PushDataPayload)
    case pushAck(version: ProtocolVersion, token: UInt16)
    case pullData(version: ProtocolVersion, token: UInt16, gatewayEUI: EUI64)
    case pullResp(version: ProtocolVersion, token: UInt16, payload: PullRespPayload)
    case pullAck(version: ProtocolVersion, token: UInt16)
    case txAck(version: ProtocolVersion, token: UInt16, gatewayEUI: EUI64, payload: TxAckPayload?)

    /// The datagram's packet type.
    public var packetType: PacketType {
        switch self {
        case .pushData: return .pushData
        case .pushAck: return .pushAck
        case .pullData: return .pullData
        case .pullResp: return .pullResp
        case .pullAck: return .pullAck
        case .txAck: return .txAck
        }
    }

    /// The gateway that sent it (gateway-to-server datagrams only).
    public var gatewayEUI: EUI64? {
        switch self {
        case let .pushData(_, _, eui, _), let .pullData(_, _, eui), let .txAck(_, _, eui, _): return eui
        default: return nil
        }
    }

    /// Parses a datagram.
    ///
    /// - Throws: `PacketForwarderError` saying what is wrong: too short, unknown version or type,
    ///   invalid or truncated JSON, wrong field types, bad base64.
    public init(bytes: some Collection<UInt8>) throws(PacketForwarderError) {
        let b = Array(bytes)
        guard b.count >= 4 else { throw .tooShort(what: "datagram", minimum: 4, actual: b.count) }
        guard let version = ProtocolVersion(rawValue: b[0]) else { throw .unsupportedVersion(b[0]) }
        guard let type = PacketType(rawValue: b[3]) else { throw .unknownPacketType(b[3]) }
        let token = UInt16(b[1]) << 8 | UInt16(b[2])

        func eui() throws(PacketForwarderError) -> EUI64 {
            guard b.count >= 12 else { throw .tooShort(what: type.name.uppercased(), minimum: 12, actual: b.count) }
            return EUI64(bigEndianBytes: b[4..<12])
        }

        switch type {
        case .pushAck: self = .pushAck(version: version, token: token)
        case .pullAck: self = .pullAck(version: version, token: token)
        case .pullData: self = .pullData(version: version, token: token, gatewayEUI: try eui())
        case .pushData:
            let gateway = try eui()
            // The common shape goes through the byte-level fast path; anything else (and every
            // malformed input) through the strict decoder, which gives the verdict and the reason.
            let payload: PushDataPayload
            if let fast = PushDataFastPath.parse(JSONCoding.trimmed(b[12...])) {
                payload = fast
            } else {
                payload = try JSONCoding.decode(PushDataPayload.self, from: b[12...], what: "PUSH_DATA")
            }
            self = .pushData(version: version, token: token, gatewayEUI: gateway, payload: payload)
        case .pullResp:
            let payload = try JSONCoding.decode(PullRespPayload.self, from: b[4...], what: "PULL_RESP")
            self = .pullResp(version: version, token: token, payload: payload)
        case .txAck:
            let gateway = try eui()
            let rest = JSONCoding.trimmed(b[12...])
            // An absent or empty JSON part means "no error" (PROTOCOL.TXT §5.5).
            let payload = rest.isEmpty ? nil : try JSONCoding.decode(TxAckPayload.self, from: rest, what: "TX_ACK")
            self = .txAck(version: version, token: token, gatewayEUI: gateway, payload: payload)
        }
    }

    /// Serialises the datagram.
    public func encoded() -> [UInt8] {
        func header(_ v: ProtocolVersion, _ token: UInt16, _ type: PacketType) -> [UInt8] {
            [v.rawValue, UInt8(truncatingIfNeeded: token >> 8), UInt8(truncatingIfNeeded: token), type.rawValue]
        }
        switch self {
        case let .pushAck(v, t): return header(v, t, .pushAck)
        case let .pullAck(v, t): return header(v, t, .pullAck)
        case let .pullData(v, t, eui): return header(v, t, .pullData) + eui.bigEndianBytes
        case let .pushData(v, t, eui, payload):
            return header(v, t, .pushData) + eui.bigEndianBytes + JSONCoding.encode(payload)
        case let .pullResp(v, t, payload):
            return header(v, t, .pullResp) + JSONCoding.encode(payload)
        case let .txAck(v, t, eui, payload):
            return header(v, t, .txAck) + eui.bigEndianBytes + (payload.map { JSONCoding.encode($0) } ?? [])
        }
    }
}
