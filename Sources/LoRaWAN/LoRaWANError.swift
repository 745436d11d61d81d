/// Everything that can be wrong with LoRaWAN bytes or identifiers handed to this module.
///
/// Each case names the condition and carries what is needed to say exactly what was wrong.
/// `description` is a one-line English sentence suitable for a CLI error or a log line; it never
/// contains key material.
public enum LoRaWANError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input has the wrong number of bytes for `what`.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// The input is shorter than the minimum for `what`.
    case tooShort(what: String, minimum: Int, actual: Int)
    /// The input is longer than the maximum allowed for `what`.
    case tooLong(what: String, maximum: Int, actual: Int)
    /// A hexadecimal string could not be parsed; `reason` says why (odd length, bad character at offset, …).
    case invalidHex(what: String, reason: String)
    /// The MType field holds a value this module cannot parse.
    case unknownMType(UInt8)
    /// The Major field holds a value other than LoRaWAN R1 (0).
    case unsupportedMajor(UInt8)
    /// FOptsLen points past the end of the frame.
    case invalidFOptsLength(fOptsLen: Int, available: Int)
    /// FOpts and a FRMPayload on FPort 0 are both present, which the specification forbids.
    case macCommandsInFOptsAndPayload
    /// A MAC command's payload is truncated.
    case truncatedMACCommand(cid: UInt8, name: String, expected: Int, actual: Int)
    /// A field holds a value outside its allowed range.
    case invalidField(name: String, reason: String)
    /// The MIC computed over the frame differs from the one it carries.
    case micMismatch
    /// A key needed for the requested operation was not supplied.
    case missingKey(String)
    /// OpenSSL reported an error in `operation`.
    case crypto(operation: String)

    public var description: String {
        switch self {
        case let .invalidLength(what, expected, actual):
            return "\(what) must be \(expected) bytes, got \(actual)"
        case let .tooShort(what, minimum, actual):
            return "\(what) is too short: at least \(minimum) bytes needed, got \(actual)"
        case let .tooLong(what, maximum, actual):
            return "\(what) is too long: at most \(maximum) bytes allowed, got \(actual)"
        case let .invalidHex(what, reason):
            return "\(what) is not valid hex: \(reason)"
        case let .unknownMType(value):
            return "unknown MType \(value)"
        case let .unsupportedMajor(value):
            return "unsupported Major version \(value) (only LoRaWAN R1 = 0 is defined)"
        case let .invalidFOptsLength(fOptsLen, available):
            return "bad FOptsLen \(fOptsLen): only \(available) bytes remain before the MIC"
        case .macCommandsInFOptsAndPayload:
            return "MAC commands in both FOpts and an FPort 0 FRMPayload"
        case let .truncatedMACCommand(cid, name, expected, actual):
            return "MAC command \(name) (CID 0x\(String(cid, radix: 16, uppercase: true))) needs \(expected) payload bytes, got \(actual)"
        case let .invalidField(name, reason):
            return "invalid \(name): \(reason)"
        case .micMismatch:
            return "MIC mismatch"
        case let .missingKey(name):
            return "missing key: \(name)"
        case let .crypto(operation):
            return "OpenSSL failed in \(operation)"
        }
    }
}
