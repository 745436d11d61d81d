/// A 32-bit end-device address: `AddrPrefix | NwkID | NwkAddr` (LoRaWAN 1.1 §6.1.1, Backend
/// Interfaces 1.0 §13).
///
/// The number of leading one bits is the NetID type of the network that assigned it; the NwkID
/// that follows identifies that network (its width depends on the type), and the rest is the
/// network's own address space.
///
/// ```swift
/// let addr = try DevAddr(hex: "26011BDA")  // type 0 (prefix 0), NwkID 0x13 (TTN)
/// addr.netIDType // 0
/// addr.nwkID     // 0x13
/// ```
public struct DevAddr: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The address as written (most significant byte first).
    public var rawValue: UInt32

    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Parses 8 hex digits, most significant byte first.
    public init(hex: String) throws(LoRaWANError) {
        let b = try Hex.decode(hex, what: "DevAddr", count: 4)
        rawValue = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    /// Builds a DevAddr from 4 bytes in frame order (least significant first).
    public init(littleEndianBytes b: some Collection<UInt8>) {
        precondition(b.count == 4, "DevAddr needs 4 bytes")
        var v: UInt32 = 0
        for x in b.reversed() { v = v << 8 | UInt32(x) }
        rawValue = v
    }

    /// Builds the address `prefix(netID.type) | netID.nwkID | nwkAddr`; `nwkAddr` is truncated to
    /// the bits the type leaves for it.
    public init(netID: NetID, nwkAddr: UInt32) {
        let type = netID.type
        let prefixLength = type + 1
        let nwkIDBits = DevAddr.nwkIDBits(forType: type)
        let addrBits = 32 - prefixLength - nwkIDBits
        let prefix: UInt32 = type == 0 ? 0 : ((UInt32(1) << UInt32(type)) - 1) << UInt32(32 - type)
        let addrMask: UInt32 = (UInt32(1) << UInt32(addrBits)) - 1
        rawValue = prefix | (netID.nwkID << UInt32(addrBits)) | (nwkAddr & addrMask)
    }

    /// NwkID width for each NetID type (Backend Interfaces 1.0, table 3).
    public static func nwkIDBits(forType type: Int) -> Int {
        switch type {
        case 0, 1: return 6
        case 2: return 9
        case 3: return 11
        case 4: return 12
        case 5: return 13
        case 6: return 15
        default: return 17
        }
    }

    /// The NetID type encoded by the address prefix (number of leading one bits), or `nil` when
    /// all eight prefix bits are one, which no type defines.
    public var netIDType: Int? {
        let ones = (~rawValue).leadingZeroBitCount
        return ones <= 7 ? ones : nil
    }

    /// The NwkID field, or `nil` for an address with an undefined prefix.
    public var nwkID: UInt32? {
        guard let type = netIDType else { return nil }
        let bits = DevAddr.nwkIDBits(forType: type)
        let shift = 32 - (type + 1) - bits
        return (rawValue >> UInt32(shift)) & ((1 << UInt32(bits)) - 1)
    }

    /// The NwkAddr field (the network's own part), or `nil` for an undefined prefix.
    public var nwkAddr: UInt32? {
        guard let type = netIDType else { return nil }
        let bits = 32 - (type + 1) - DevAddr.nwkIDBits(forType: type)
        return rawValue & ((1 << UInt32(bits)) - 1)
    }

    /// Whether this address lies in the address space of `netID`.
    public func belongs(to netID: NetID) -> Bool {
        netIDType == netID.type && nwkID == netID.nwkID
    }

    /// Bytes in written order (most significant first).
    public var bigEndianBytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (24 - 8 * UInt32($0))) } }
    /// Bytes in frame order (least significant first).
    public var littleEndianBytes: [UInt8] { bigEndianBytes.reversed() }

    public var description: String { bigEndianBytes.hexString }

    public static func < (a: DevAddr, b: DevAddr) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(hex: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
