import Foundation

/// Reading payload bytes given as JSON, the ways people write them.
///
/// Accepted: an array of integers 0–255 (`[1, 2, 255]`, the TTN/ChirpStack codec form), a hex
/// string (`"0167ff"`, spaces allowed, optional `0x`), or a base64 string (`"AWf/"`, as ChirpStack
/// and TTN put `frm_payload`/`data` in events). A string that is valid hex of even length is read
/// as hex; any other string as base64.
public enum PayloadBytes {
    /// Parses bytes from a JSON value.
    /// - Throws: `CodecError.invalidInput` naming the offending element.
    public static func parse(_ value: JSONValue, field: String = "bytes") throws(CodecError) -> [UInt8] {
        switch value {
        case .array(let elements):
            var out: [UInt8] = []
            out.reserveCapacity(elements.count)
            for (i, element) in elements.enumerated() {
                guard let n = element.number, n == n.rounded(), n >= 0, n <= 255 else {
                    throw .invalidInput("\(field)[\(i)] is \(element), not an integer 0–255")
                }
                out.append(UInt8(n))
            }
            return out
        case .string(let text):
            if let hex = hexBytes(text) { return hex }
            if let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)) { return [UInt8](data) }
            throw .invalidInput("\(field) is a string that is neither hex nor base64")
        default:
            throw .invalidInput("\(field) must be an array of integers 0–255, a hex string or a base64 string")
        }
    }

    /// Hex digits (spaces ignored, optional `0x`) → bytes, or nil if not hex of even length.
    static func hexBytes(_ text: String) -> [UInt8]? {
        var digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") })
        if digits.count >= 2, digits[0] == UInt8(ascii: "0"), digits[1] | 0x20 == UInt8(ascii: "x") {
            digits.removeFirst(2)
        }
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i + 1 < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// Bytes as a JSON array of numbers.
    public static func json(_ bytes: [UInt8]) -> JSONValue {
        .array(bytes.map { .number(Double($0)) })
    }
}
