/// Everything that can be wrong with a datagram or JSON object of the Semtech UDP packet-forwarder
/// protocol.
///
/// Each case names the condition; `description` is one English sentence for a log line. Nothing in
/// an error carries more than a short excerpt of the offending input.
public enum PacketForwarderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The datagram is shorter than its packet type requires.
    case tooShort(what: String, minimum: Int, actual: Int)
    /// The protocol-version byte is neither 1 nor 2.
    case unsupportedVersion(UInt8)
    /// The packet-type byte is not one of PUSH_DATA…TX_ACK.
    case unknownPacketType(UInt8)
    /// The JSON part is not valid JSON for the expected object (truncated, wrong type, …).
    case invalidJSON(what: String, reason: String)
    /// A field the conversion needs is absent.
    case missingField(String)
    /// A field holds a value outside its allowed range or syntax.
    case invalidField(name: String, reason: String)
    /// A `data` field is not valid base64.
    case invalidBase64(String)
    /// The `size` field disagrees with the decoded payload length.
    case sizeMismatch(declared: Int, actual: Int)

    /// A stable snake_case code for metrics and logs.
    public var code: String {
        switch self {
        case .tooShort: return "too_short"
        case .unsupportedVersion: return "unsupported_version"
        case .unknownPacketType: return "unknown_packet_type"
        case .invalidJSON: return "invalid_json"
        case .missingField: return "missing_field"
        case .invalidField: return "invalid_field"
        case .invalidBase64: return "invalid_base64"
        case .sizeMismatch: return "size_mismatch"
        }
    }

    public var description: String {
        switch self {
        case let .tooShort(what, minimum, actual):
            return "\(what) is too short: at least \(minimum) bytes needed, got \(actual)"
        case let .unsupportedVersion(v):
            return "unsupported protocol version \(v) (1 and 2 are defined)"
        case let .unknownPacketType(t):
            return "unknown packet type 0x\(String(t, radix: 16))"
        case let .invalidJSON(what, reason):
            return "invalid JSON in \(what): \(reason)"
        case let .missingField(name):
            return "missing field \(name)"
        case let .invalidField(name, reason):
            return "invalid \(name): \(reason)"
        case let .invalidBase64(field):
            return "\(field) is not valid base64"
        case let .sizeMismatch(declared, actual):
            return "size says \(declared) bytes but data holds \(actual)"
        }
    }
}
