/// Why MQTT bytes or a packet could not be accepted.
///
/// Every case maps to the MQTT 5.0 reason code a server sends in DISCONNECT (or CONNACK) when it
/// closes a connection for that reason (MQTT 5.0 §4.13 "Handling errors"); see ``reasonCode``.
public enum MQTTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The remaining-length field has more than four bytes (MQTT 5.0 §1.5.5).
    case malformedRemainingLength
    /// The packet is larger than the configured maximum packet size.
    case packetTooLarge(size: Int, maximum: Int)
    /// The packet type nibble is 0 (reserved) or otherwise unknown (MQTT 5.0 §2.1.2).
    case reservedPacketType(UInt8)
    /// The fixed-header flags are not the ones the packet type requires (MQTT 5.0 §2.1.3).
    case invalidFixedHeaderFlags(packetType: UInt8, flags: UInt8)
    /// The packet body ended before a field was complete.
    case truncated(field: String)
    /// Bytes are left over after the last field of a packet.
    case trailingBytes(count: Int)
    /// A UTF-8 string field is not valid UTF-8 or contains U+0000 (MQTT 5.0 §1.5.4).
    case invalidUTF8(field: String)
    /// The CONNECT protocol name is not "MQTT".
    case invalidProtocolName(String)
    /// The CONNECT protocol level is neither 4 (3.1.1) nor 5 (5.0).
    case unsupportedProtocolVersion(UInt8)
    /// The first packet on a connection was not CONNECT, or a second CONNECT arrived.
    case unexpectedPacket(String)
    /// A field holds a value the specification forbids (names the field and why).
    case invalidField(field: String, reason: String)
    /// A property identifier is unknown or not allowed in this packet (MQTT 5.0 §2.2.2.2).
    case invalidProperty(identifier: UInt8, packet: String)
    /// A property that may appear once appears twice (MQTT 5.0 §2.2.2.2).
    case duplicateProperty(identifier: UInt8)
    /// A topic name is empty, too long, or contains a wildcard or U+0000 (MQTT 5.0 §4.7).
    case invalidTopicName(String)
    /// A topic filter has a misplaced wildcard or a malformed `$share` prefix (MQTT 5.0 §4.7, §4.8.2).
    case invalidTopicFilter(String)
    /// A QoS of 3 was given (MQTT 5.0 §3.3.1.2).
    case invalidQoS(UInt8)

    /// The MQTT 5.0 reason code that describes this error to the peer.
    public var reasonCode: ReasonCode {
        switch self {
        case .packetTooLarge: return .packetTooLarge
        case .unsupportedProtocolVersion: return .unsupportedProtocolVersion
        case .invalidTopicName: return .topicNameInvalid
        case .invalidTopicFilter: return .topicFilterInvalid
        case .unexpectedPacket, .duplicateProperty, .invalidProperty: return .protocolError
        case .invalidField: return .protocolError
        default: return .malformedPacket
        }
    }

    public var description: String {
        switch self {
        case .malformedRemainingLength: return "remaining length longer than 4 bytes"
        case let .packetTooLarge(size, maximum): return "packet of \(size) bytes exceeds the maximum of \(maximum)"
        case let .reservedPacketType(t): return "reserved or unknown packet type \(t)"
        case let .invalidFixedHeaderFlags(t, f): return "invalid fixed header flags 0x\(String(f, radix: 16)) for packet type \(t)"
        case let .truncated(field): return "packet ends inside \(field)"
        case let .trailingBytes(n): return "\(n) unexpected bytes after the last field"
        case let .invalidUTF8(field): return "\(field) is not well-formed UTF-8 or contains U+0000"
        case let .invalidProtocolName(n): return "protocol name \"\(n)\" is not MQTT"
        case let .unsupportedProtocolVersion(v): return "protocol level \(v) is not supported (4 or 5)"
        case let .unexpectedPacket(why): return "unexpected packet: \(why)"
        case let .invalidField(field, reason): return "\(field): \(reason)"
        case let .invalidProperty(id, packet): return "property 0x\(String(id, radix: 16)) is not allowed in \(packet)"
        case let .duplicateProperty(id): return "property 0x\(String(id, radix: 16)) appears more than once"
        case let .invalidTopicName(t): return "invalid topic name \"\(t)\""
        case let .invalidTopicFilter(t): return "invalid topic filter \"\(t)\""
        case let .invalidQoS(q): return "invalid QoS \(q)"
        }
    }
}
