import Foundation

/// A strict RFC 8259 JSON parser that keeps AWS's `Int`/`Decimal` distinction and the text of every
/// decimal.
///
/// - Numbers without a fraction or exponent that fit in Int64 are `.int`; all others are `.decimal`
///   with their source text. A number beyond Foundation `Decimal`'s range is an error.
/// - Nesting deeper than ``maximumDepth`` is an error (never a stack overflow).
/// - Strings must be valid UTF-8 (RFC 8259 §8.1); a payload that is not is not JSON (so, per AWS, binary).
/// - Errors carry the byte offset and say what was expected.
public struct JSONParser {
    /// The deepest array/object nesting accepted.
    public static let maximumDepth = 512

    let bytes: [UInt8]
    var index = 0
    var depth = 0

    /// Parses one JSON text (surrounding whitespace allowed).
    /// - Throws: ``RulesError/invalidJSON(offset:message:)``.
    public static func parse(_ text: String) throws(RulesError) -> JSONValue {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses one JSON text from UTF-8 bytes.
    /// - Throws: ``RulesError/invalidJSON(offset:message:)``.
    public static func parse(bytes: [UInt8]) throws(RulesError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("expected end of input") }
        return value
    }

    func error(_ message: String) -> RulesError {
        .invalidJSON(offset: index, message: message)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(RulesError) -> JSONValue {
        guard index < bytes.count else { throw error("expected a value, found end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("expected a value")
        }
    }

    mutating func expectWord(_ word: StaticString) throws(RulesError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("expected '\(word)'") }
        let p = word.utf8Start
        for i in 0..<count where bytes[index + i] != p[i] { throw error("expected '\(word)'") }
        index += count
    }

    mutating func enter() throws(RulesError) {
        depth += 1
        if depth > JSONParser.maximumDepth {
            throw error("nesting deeper than \(JSONParser.maximumDepth) levels")
        }
    }

    mutating func parseObject() throws(RulesError) -> JSONValue {
        try enter()
        index += 1
        var object = JSONObject()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            if object[key] != nil { object[key] = value } else { object.appendUnchecked(key, value) }
            skipWhitespace()
            guard index < bytes.count else { throw error("expected ',' or '}', found end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw error("expected ',' or '}'")
        }
        depth -= 1
        return .object(object)
    }

    mutating func parseArray() throws(RulesError) -> JSONValue {
        try enter()
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw error("expected ',' or ']', found end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; break }
            throw error("expected ',' or ']'")
        }
        depth -= 1
        return .array(items)
    }

    mutating func parseString() throws(RulesError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes. ASCII needs no validation; anything else is validated once.
        var high: UInt8 = 0
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let s: String
                if high < 0x80 {
                    s = String(decoding: bytes[start..<index], as: UTF8.self)
                } else {
                    guard let v = JSONParser.validated(bytes, start..<index) else { throw error("invalid UTF-8 in string") }
                    s = v
                }
                index += 1
                return s
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { break }
            high |= b
            index += 1
        }
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                guard let s = JSONParser.validated(out, 0..<out.count) else { throw error("invalid UTF-8 in string") }
                index += 1
                return s
            }
            if b < 0x20 { throw error("control character in string (must be escaped)") }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                          bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("unpaired surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                index -= 1
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        throw error("unterminated string")
    }

    /// UTF-8 validation over contiguous bytes (the generic slice path is several times slower).
    static func validated(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            String(validating: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
        }
    }

    mutating func parseHex4() throws(RulesError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("expected 4 hex digits after \\u") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let d: UInt32
            switch b {
            case 48...57: d = UInt32(b - 48)
            case 65...70: d = UInt32(b - 55)
            case 97...102: d = UInt32(b - 87)
            default: throw error("expected 4 hex digits after \\u")
            }
            v = v << 4 | d
            index += 1
        }
        return v
    }

    mutating func parseNumber() throws(RulesError) -> JSONValue {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        guard index < bytes.count, (48...57).contains(bytes[index]) else { throw error("expected a digit") }
        var mantissa: UInt64 = 0
        var digits = 0
        var overflow = false
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 48 && bytes[i] <= 57 }
        if bytes[index] == 48 {
            index += 1
            if isDigit(index) { throw error("leading zeros are not allowed") }
        } else {
            while isDigit(index) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 48)
                } else { overflow = true }
                digits += 1
                index += 1
            }
        }
        var fractionDigits = 0
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard isDigit(index) else { throw error("expected a digit after '.'") }
            while isDigit(index) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[index] - 48)
                    fractionDigits += 1
                    digits += 1
                } else { overflow = true }
                index += 1
            }
        }
        var exponent = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            var expNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                expNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard isDigit(index) else { throw error("expected a digit in the exponent") }
            while isDigit(index) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] - 48) }
                index += 1
            }
            if expNegative { exponent = -exponent }
        }
        if isInteger, !overflow {
            if negative {
                if mantissa <= UInt64(Int64.max) { return .int(-Int64(mantissa)) }
                if mantissa == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            } else if mantissa <= UInt64(Int64.max) {
                return .int(Int64(mantissa))
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        let scale = exponent - fractionDigits
        if !overflow, scale >= -120, scale <= 120 {
            let d = Decimal(sign: negative ? .minus : .plus, exponent: scale, significand: Decimal(mantissa))
            let signed: Int64? = mantissa <= UInt64(Int64.max) ? (negative ? -Int64(mantissa) : Int64(mantissa)) : nil
            return .decimal(SQLDecimal(value: d, sourceText: text, knownScale: -scale, mantissa: signed))
        }
        guard let d = SQLDecimal(parsing: text) else {
            index = start
            throw error("number out of range")
        }
        return .decimal(d)
    }
}
