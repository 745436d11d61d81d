/// Hexadecimal parsing and formatting shared by the identifier and key types.
enum Hex {
    /// Parses `text` as hexadecimal bytes. Whitespace, `:` and `-` separators and a leading `0x`
    /// are accepted; anything else is an error that says where.
    static func decode(_ text: String, what: String) throws(LoRaWANError) -> [UInt8] {
        var digits: [UInt8] = []
        digits.reserveCapacity(text.utf8.count)
        var utf8 = Substring(text).utf8[...]
        if utf8.starts(with: "0x".utf8) || utf8.starts(with: "0X".utf8) { utf8 = utf8.dropFirst(2) }
        for (offset, c) in utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(c - UInt8(ascii: "A") + 10)
            case UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: " "): continue
            default:
                let printable = c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
                throw .invalidHex(what: what, reason: "unexpected \(printable) at offset \(offset)")
            }
        }
        guard digits.count % 2 == 0 else {
            throw .invalidHex(what: what, reason: "odd number of hex digits (\(digits.count))")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            bytes.append(digits[i] << 4 | digits[i + 1])
            i += 2
        }
        return bytes
    }

    /// Parses exactly `count` bytes.
    static func decode(_ text: String, what: String, count: Int) throws(LoRaWANError) -> [UInt8] {
        let bytes = try decode(text, what: what)
        guard bytes.count == count else {
            throw .invalidLength(what: what, expected: count, actual: bytes.count)
        }
        return bytes
    }

    private static let alphabet: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex without separators.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for b in bytes {
            out.append(alphabet[Int(b >> 4)])
            out.append(alphabet[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal rendering of the bytes, without separators.
    public var hexString: String { Hex.encode(self) }
}

extension Array where Element == UInt8 {
    /// Parses hexadecimal text (separators `:`, `-`, space and a `0x` prefix allowed).
    public init(hex: String) throws(LoRaWANError) {
        self = try Hex.decode(hex, what: "hex string")
    }
}
