/// A 128-bit AES key: AppKey, NwkKey, or a derived session key.
///
/// The bytes are stored inline (no heap allocation). `description` never prints the key: it shows
/// only that a key is present, so a key that reaches a log line or an error message leaks nothing.
/// Use `hexString` deliberately where the key must be shown (the `frame keys` CLI command).
public struct AES128Key: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The key bytes, first byte first.
    public var bytes: (UInt64, UInt64)

    /// Builds a key from exactly 16 bytes.
    public init(bytes b: some Collection<UInt8>) throws(LoRaWANError) {
        guard b.count == 16 else { throw .invalidLength(what: "AES-128 key", expected: 16, actual: b.count) }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for (i, x) in b.enumerated() {
            if i < 8 { hi = hi << 8 | UInt64(x) } else { lo = lo << 8 | UInt64(x) }
        }
        bytes = (hi, lo)
    }

    /// Parses 32 hex digits.
    public init(hex: String) throws(LoRaWANError) {
        try self.init(bytes: Hex.decode(hex, what: "AES-128 key", count: 16))
    }

    /// The 16 key bytes.
    public var byteArray: [UInt8] {
        (0..<16).map { i in
            i < 8 ? UInt8(truncatingIfNeeded: bytes.0 >> (56 - 8 * UInt64(i))) : UInt8(truncatingIfNeeded: bytes.1 >> (56 - 8 * UInt64(i - 8)))
        }
    }

    /// Calls `body` with the 16 key bytes in contiguous memory, without allocating.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var be = (bytes.0.bigEndian, bytes.1.bigEndian)
        return try Swift.withUnsafeBytes(of: &be) { try body($0) }
    }

    /// The key in lower-case hex. Only for places where showing the key is the point.
    public var hexString: String { byteArray.hexString }

    public var description: String { "AES128Key(redacted)" }

    public static func == (a: AES128Key, b: AES128Key) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes.0); hasher.combine(bytes.1) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(hex: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hexString)
    }
}
