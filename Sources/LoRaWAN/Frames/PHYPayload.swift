/// A LoRaWAN PHYPayload: `MHDR | MACPayload | MIC`, or `MHDR | Join… | MIC`, or a proprietary
/// `MHDR | bytes` (LoRaWAN 1.0.4 §4, 1.1 §4), for every message type of 1.0.0–1.0.4 and 1.1.
///
/// Parsing never traps: every malformed input throws a `LoRaWANError` that says what is wrong.
/// A join-accept taken off the air is encrypted, so parsing yields `.encryptedJoinAccept`;
/// `decryptingJoinAccept(key:)` turns it into `.joinAccept`.
///
/// ```swift
/// // brocaar/lorawan phypayload_test.go: unconfirmed uplink "hello" on FPort 1
/// let phy = try PHYPayload(hex: "400403020180010001a694642615d6c3b582")
/// phy.mhdr.mType            // .unconfirmedDataUp
/// phy.macPayload?.fhdr.fCnt // 1
/// ```
public struct PHYPayload: Hashable, Sendable {
    /// The largest PHYPayload accepted: a LoRa frame is at most 255 bytes, and the MIC's B0
    /// block carries the message length in one byte.
    public static let maximumLength = 255

    /// What follows the MHDR.
    public enum Payload: Hashable, Sendable {
        case joinRequest(JoinRequestPayload)
        /// A decrypted join-accept.
        case joinAccept(JoinAcceptPayload)
        /// A join-accept as sent: the encrypted payload bytes (12 or 28) without the encrypted
        /// MIC, which is in `PHYPayload.mic`.
        case encryptedJoinAccept([UInt8])
        case rejoinRequest(RejoinRequestPayload)
        /// Data up or down, confirmed or not.
        case data(MACPayload)
        /// A proprietary frame: everything after the MHDR (no MIC is assumed).
        case proprietary([UInt8])
    }

    public var mhdr: MHDR
    public var payload: Payload
    /// The MIC; `nil` only for proprietary frames.
    public var mic: MIC?

    public init(mhdr: MHDR, payload: Payload, mic: MIC?) {
        self.mhdr = mhdr
        self.payload = payload
        self.mic = mic
    }

    /// Parses hex text (separators allowed).
    public init(hex: String) throws(LoRaWANError) {
        try self.init(bytes: Hex.decode(hex, what: "PHYPayload"))
    }

    /// Parses a PHYPayload.
    /// - Throws: `tooShort`/`tooLong`/`invalidLength` for sizes the message type does not allow,
    ///   `unsupportedMajor`, `invalidFOptsLength`, `macCommandsInFOptsAndPayload`, `invalidField`.
    public init(bytes: [UInt8]) throws(LoRaWANError) {
        guard let first = bytes.first else { throw .tooShort(what: "PHYPayload", minimum: 1, actual: 0) }
        guard bytes.count <= PHYPayload.maximumLength else {
            throw .tooLong(what: "PHYPayload", maximum: PHYPayload.maximumLength, actual: bytes.count)
        }
        mhdr = try MHDR(byte: first)
        if mhdr.mType == .proprietary {
            payload = .proprietary(Array(bytes[1...]))
            mic = nil
            return
        }
        guard bytes.count >= 5 else { throw .tooShort(what: "\(mhdr.mType) PHYPayload", minimum: 5, actual: bytes.count) }
        let inner = Array(bytes[1..<(bytes.count - 4)])
        mic = try MIC(bytes: bytes[(bytes.count - 4)...])
        switch mhdr.mType {
        case .joinRequest:
            guard bytes.count == 23 else { throw .invalidLength(what: "join-request", expected: 23, actual: bytes.count) }
            payload = .joinRequest(try JoinRequestPayload(bytes: inner))
        case .joinAccept:
            guard bytes.count == 17 || bytes.count == 33 else {
                throw .invalidLength(what: "join-accept", expected: bytes.count < 33 ? 17 : 33, actual: bytes.count)
            }
            payload = .encryptedJoinAccept(inner)
        case .rejoinRequest:
            payload = .rejoinRequest(try RejoinRequestPayload(bytes: inner))
        case .unconfirmedDataUp, .confirmedDataUp:
            payload = .data(try MACPayload(bytes: inner, direction: .uplink))
        case .unconfirmedDataDown, .confirmedDataDown:
            payload = .data(try MACPayload(bytes: inner, direction: .downlink))
        case .proprietary:
            payload = .proprietary(inner) // handled above
        }
    }

    /// The MACPayload of a data frame, else `nil`.
    public var macPayload: MACPayload? {
        if case let .data(p) = payload { return p }
        return nil
    }

    /// The bytes the MIC is computed over for data, join-request and rejoin frames:
    /// `MHDR | payload` (everything but the MIC).
    public func bytesWithoutMIC() throws(LoRaWANError) -> [UInt8] {
        var out: [UInt8] = [mhdr.byte]
        switch payload {
        case let .joinRequest(p): out += p.bytes
        case let .joinAccept(p): out += try p.serialized()
        case let .encryptedJoinAccept(b):
            guard b.count == 12 || b.count == 28 else {
                throw .invalidLength(what: "encrypted join-accept payload", expected: b.count < 28 ? 12 : 28, actual: b.count)
            }
            out += b
        case let .rejoinRequest(p): out += try p.serialized()
        case let .data(p): out += try p.serialized()
        case let .proprietary(b): out += b
        }
        return out
    }

    /// The wire bytes.
    /// - Throws: `invalidField` when the MIC is missing on a non-proprietary frame or a field is
    ///   out of range; `tooLong` when the frame exceeds 255 bytes.
    public func serialized() throws(LoRaWANError) -> [UInt8] {
        var out = try bytesWithoutMIC()
        if let mic {
            out += mic.bytes
        } else if mhdr.mType != .proprietary {
            throw .invalidField(name: "MIC", reason: "missing on a \(mhdr.mType) frame")
        }
        guard out.count <= PHYPayload.maximumLength else {
            throw .tooLong(what: "PHYPayload", maximum: PHYPayload.maximumLength, actual: out.count)
        }
        return out
    }
}
