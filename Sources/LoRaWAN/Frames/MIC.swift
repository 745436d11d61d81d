/// A 4-byte message integrity code as carried at the end of a PHYPayload.
///
/// `rawValue` holds the bytes in wire order, first byte most significant, so `description`
/// prints them as they appear in the frame.
public struct MIC: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The four MIC bytes, first wire byte most significant.
    public var rawValue: UInt32

    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Builds a MIC from its four wire bytes.
    public init(bytes: some Collection<UInt8>) throws(LoRaWANError) {
        guard bytes.count == 4 else { throw .invalidLength(what: "MIC", expected: 4, actual: bytes.count) }
        rawValue = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The four bytes in wire order.
    public var bytes: [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (24 - 8 * UInt32($0))) } }

    public var description: String { bytes.hexString }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try MIC(bytes: Hex.decode(text, what: "MIC", count: 4)) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
