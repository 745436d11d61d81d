/// A bounds-checked little-endian reader over frame bytes. Every read either returns a value
/// or throws `tooShort` naming the field, so parsers never index past the input.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func u8(_ what: String) throws(LoRaWANError) -> UInt8 {
        guard remaining >= 1 else { throw .tooShort(what: what, minimum: offset + 1, actual: bytes.count) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func take(_ n: Int, _ what: String) throws(LoRaWANError) -> [UInt8] {
        guard n >= 0, remaining >= n else { throw .tooShort(what: what, minimum: offset + max(n, 0), actual: bytes.count) }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    /// Reads `n` bytes (n ≤ 8) as a little-endian unsigned integer.
    mutating func le(_ n: Int, _ what: String) throws(LoRaWANError) -> UInt64 {
        let b = try take(n, what)
        var v: UInt64 = 0
        for x in b.reversed() { v = v << 8 | UInt64(x) }
        return v
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}

extension Array where Element == UInt8 {
    /// Appends the `n` low bytes of `value`, least significant first.
    mutating func appendLE(_ value: UInt64, _ n: Int) {
        for i in 0..<n { append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}
