/// A 24-bit LoRaWAN network identifier (LoRaWAN Backend Interfaces 1.0 §13).
///
/// The three most significant bits are the NetID type (0–7); the type fixes how many bits of the
/// NetID are the NwkID that DevAddrs of this network carry.
///
/// ```swift
/// let netID = try NetID(hex: "000013")   // type 0, NwkID 0x13
/// ```
public struct NetID: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The 24-bit value.
    public let rawValue: UInt32

    /// Creates a NetID; the value must fit in 24 bits.
    public init(_ rawValue: UInt32) throws(LoRaWANError) {
        guard rawValue <= 0xFF_FFFF else {
            throw .invalidField(name: "NetID", reason: "\(rawValue) does not fit in 24 bits")
        }
        self.rawValue = rawValue
    }

    /// Parses 6 hex digits.
    public init(hex: String) throws(LoRaWANError) {
        let b = try Hex.decode(hex, what: "NetID", count: 3)
        try self.init(UInt32(b[0]) << 16 | UInt32(b[1]) << 8 | UInt32(b[2]))
    }

    /// The NetID type: the three most significant bits.
    public var type: Int { Int(rawValue >> 21) }

    /// The 21 bits below the type.
    public var id: UInt32 { rawValue & 0x1F_FFFF }

    /// The NwkID this network's DevAddrs carry: the `DevAddr.nwkIDBits(type)` least significant bits of `id`.
    public var nwkID: UInt32 { id & ((1 << UInt32(DevAddr.nwkIDBits(forType: type))) - 1) }

    /// Bytes in written order (most significant first).
    public var bigEndianBytes: [UInt8] { [UInt8(truncatingIfNeeded: rawValue >> 16), UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue)] }
    /// Bytes in frame order (least significant first), as in a join-accept.
    public var littleEndianBytes: [UInt8] { bigEndianBytes.reversed() }

    public var description: String { bigEndianBytes.hexString }

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
