/// A 64-bit extended unique identifier: DevEUI, JoinEUI (AppEUI in 1.0.x) or a gateway EUI.
///
/// Stored and printed most-significant byte first, the way EUIs are written on labels and in
/// ChirpStack/TTN; frames carry them least-significant byte first (`littleEndianBytes`).
///
/// ```swift
/// let eui = try EUI64(hex: "0004A30B001C0530")
/// eui.description // "0004a30b001c0530"
/// ```
public struct EUI64: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The identifier as an integer (most significant byte first when written in hex).
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Parses 16 hex digits (separators `:`/`-` allowed), most significant byte first.
    public init(hex: String) throws(LoRaWANError) {
        let bytes = try Hex.decode(hex, what: "EUI-64", count: 8)
        self.init(bigEndianBytes: bytes)
    }

    /// Builds an EUI from 8 bytes in written order (most significant first).
    public init(bigEndianBytes bytes: some Collection<UInt8>) {
        precondition(bytes.count == 8, "EUI-64 needs 8 bytes")
        var v: UInt64 = 0
        for b in bytes { v = v << 8 | UInt64(b) }
        rawValue = v
    }

    /// Builds an EUI from 8 bytes in frame order (least significant first).
    public init(littleEndianBytes bytes: some Collection<UInt8>) {
        precondition(bytes.count == 8, "EUI-64 needs 8 bytes")
        var v: UInt64 = 0
        for b in bytes.reversed() { v = v << 8 | UInt64(b) }
        rawValue = v
    }

    /// Bytes in written order (most significant first).
    public var bigEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: rawValue >> (56 - 8 * $0)) } }
    /// Bytes in frame order (least significant first).
    public var littleEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: rawValue >> (8 * $0)) } }

    public var description: String { bigEndianBytes.hexString }

    public static func < (a: EUI64, b: EUI64) -> Bool { a.rawValue < b.rawValue }

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
