/// The message type in MHDR bits 7..5 (LoRaWAN 1.1 §4.2.1, table 1).
public enum MType: UInt8, Hashable, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case joinRequest = 0
    case joinAccept = 1
    case unconfirmedDataUp = 2
    case unconfirmedDataDown = 3
    case confirmedDataUp = 4
    case confirmedDataDown = 5
    /// Rejoin-request (LoRaWAN 1.1; RFU in 1.0.x).
    case rejoinRequest = 6
    case proprietary = 7

    /// The direction a frame of this type travels; `nil` for proprietary frames, whose
    /// direction the MHDR does not say.
    public var direction: Direction? {
        switch self {
        case .joinRequest, .unconfirmedDataUp, .confirmedDataUp, .rejoinRequest: return .uplink
        case .joinAccept, .unconfirmedDataDown, .confirmedDataDown: return .downlink
        case .proprietary: return nil
        }
    }

    /// Whether this type carries a MACPayload (FHDR, FPort, FRMPayload).
    public var isData: Bool {
        switch self {
        case .unconfirmedDataUp, .unconfirmedDataDown, .confirmedDataUp, .confirmedDataDown: return true
        default: return false
        }
    }

    /// The spec's name for the type, e.g. `UnconfirmedDataUp`.
    public var description: String {
        switch self {
        case .joinRequest: return "JoinRequest"
        case .joinAccept: return "JoinAccept"
        case .unconfirmedDataUp: return "UnconfirmedDataUp"
        case .unconfirmedDataDown: return "UnconfirmedDataDown"
        case .confirmedDataUp: return "ConfirmedDataUp"
        case .confirmedDataDown: return "ConfirmedDataDown"
        case .rejoinRequest: return "RejoinRequest"
        case .proprietary: return "Proprietary"
        }
    }
}

/// The MAC header: `MType (3 bits) | RFU (3 bits) | Major (2 bits)` (LoRaWAN 1.1 §4.2).
///
/// Only Major = 0 (LoRaWAN R1) is defined; parsing rejects anything else. The RFU bits are kept
/// so that a parsed frame serialises to the same bytes.
public struct MHDR: Hashable, Sendable {
    /// The message type.
    public var mType: MType
    /// The major version of the frame format (0 = LoRaWAN R1).
    public var major: UInt8
    /// The three RFU bits (4..2), normally zero.
    public var rfu: UInt8

    public init(mType: MType, major: UInt8 = 0, rfu: UInt8 = 0) {
        self.mType = mType
        self.major = major
        self.rfu = rfu
    }

    /// Parses the MHDR byte.
    /// - Throws: `unsupportedMajor` when Major ≠ 0.
    public init(byte: UInt8) throws(LoRaWANError) {
        let major = byte & 0x03
        guard major == 0 else { throw .unsupportedMajor(major) }
        // Three bits always name one of the eight cases.
        mType = MType(rawValue: byte >> 5) ?? .proprietary
        self.major = major
        rfu = (byte >> 2) & 0x07
    }

    /// The MHDR byte.
    public var byte: UInt8 { mType.rawValue << 5 | (rfu & 0x07) << 2 | (major & 0x03) }
}
