/// A join-request: `JoinEUI(8) | DevEUI(8) | DevNonce(2)` (LoRaWAN 1.1 §6.2.2; JoinEUI is
/// AppEUI in 1.0.x). EUIs travel least significant byte first.
public struct JoinRequestPayload: Hashable, Sendable {
    public var joinEUI: EUI64
    public var devEUI: EUI64
    public var devNonce: UInt16

    public init(joinEUI: EUI64, devEUI: EUI64, devNonce: UInt16) {
        self.joinEUI = joinEUI
        self.devEUI = devEUI
        self.devNonce = devNonce
    }

    /// Parses exactly 18 bytes.
    public init(bytes: [UInt8]) throws(LoRaWANError) {
        guard bytes.count == 18 else { throw .invalidLength(what: "join-request payload", expected: 18, actual: bytes.count) }
        var r = ByteReader(bytes)
        joinEUI = EUI64(try r.le(8, "JoinEUI"))
        devEUI = EUI64(try r.le(8, "DevEUI"))
        devNonce = UInt16(truncatingIfNeeded: try r.le(2, "DevNonce"))
    }

    /// The 18 wire bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(18)
        out.appendLE(joinEUI.rawValue, 8)
        out.appendLE(devEUI.rawValue, 8)
        out.appendLE(UInt64(devNonce), 2)
        return out
    }
}

/// A rejoin-request (LoRaWAN 1.1 §6.2.4).
///
/// ```
/// type 0 and 2: RejoinType(1) | NetID(3)   | DevEUI(8) | RJcount0(2)
/// type 1:       RejoinType(1) | JoinEUI(8) | DevEUI(8) | RJcount1(2)
/// ```
public enum RejoinRequestPayload: Hashable, Sendable {
    /// Type 0 (reset context, send a join-accept) or type 2 (rekey only).
    case type0or2(rejoinType: UInt8, netID: NetID, devEUI: EUI64, rjCount0: UInt16)
    /// Type 1 (restore a lost session context).
    case type1(joinEUI: EUI64, devEUI: EUI64, rjCount1: UInt16)

    /// The RejoinType field: 0, 1 or 2.
    public var rejoinType: UInt8 {
        switch self {
        case let .type0or2(t, _, _, _): return t
        case .type1: return 1
        }
    }

    /// The DevEUI of the device that rejoins.
    public var devEUI: EUI64 {
        switch self {
        case let .type0or2(_, _, e, _): return e
        case let .type1(_, e, _): return e
        }
    }

    /// RJcount0 or RJcount1.
    public var rjCount: UInt16 {
        switch self {
        case let .type0or2(_, _, _, c): return c
        case let .type1(_, _, c): return c
        }
    }

    /// Parses the bytes between MHDR and MIC.
    /// - Throws: `invalidField` for a RejoinType other than 0, 1, 2; `invalidLength` when the
    ///   length does not match the type (14 bytes for 0/2, 19 for 1).
    public init(bytes: [UInt8]) throws(LoRaWANError) {
        guard let type = bytes.first else { throw .tooShort(what: "rejoin-request payload", minimum: 1, actual: 0) }
        var r = ByteReader(bytes, offset: 1)
        switch type {
        case 0, 2:
            guard bytes.count == 14 else { throw .invalidLength(what: "rejoin-request type \(type) payload", expected: 14, actual: bytes.count) }
            let netID = try NetID(UInt32(truncatingIfNeeded: try r.le(3, "NetID")))
            self = .type0or2(rejoinType: type, netID: netID, devEUI: EUI64(try r.le(8, "DevEUI")),
                             rjCount0: UInt16(truncatingIfNeeded: try r.le(2, "RJcount0")))
        case 1:
            guard bytes.count == 19 else { throw .invalidLength(what: "rejoin-request type 1 payload", expected: 19, actual: bytes.count) }
            self = .type1(joinEUI: EUI64(try r.le(8, "JoinEUI")), devEUI: EUI64(try r.le(8, "DevEUI")),
                          rjCount1: UInt16(truncatingIfNeeded: try r.le(2, "RJcount1")))
        default:
            throw .invalidField(name: "RejoinType", reason: "\(type) is not 0, 1 or 2")
        }
    }

    /// The wire bytes.
    /// - Throws: `invalidField` for a type-0/2 case whose type is not 0 or 2.
    public func serialized() throws(LoRaWANError) -> [UInt8] {
        var out: [UInt8] = []
        switch self {
        case let .type0or2(t, netID, devEUI, c):
            guard t == 0 || t == 2 else { throw .invalidField(name: "RejoinType", reason: "\(t) is not 0 or 2") }
            out.append(t)
            out.appendLE(UInt64(netID.rawValue), 3)
            out.appendLE(devEUI.rawValue, 8)
            out.appendLE(UInt64(c), 2)
        case let .type1(joinEUI, devEUI, c):
            out.append(1)
            out.appendLE(joinEUI.rawValue, 8)
            out.appendLE(devEUI.rawValue, 8)
            out.appendLE(UInt64(c), 2)
        }
        return out
    }
}
