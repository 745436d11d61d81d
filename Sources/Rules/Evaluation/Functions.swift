import Foundation

/// AWS IoT SQL functions that need nothing but their arguments (developer guide, "Functions").
/// Every function returns Undefined (`nil`) for arguments it cannot convert.
enum Functions {
    static func apply(_ f: SQLFunction, _ a: [JSONValue?]) -> JSONValue? {
        switch f {
        case .abs:
            switch Convert.number(a[0]) {
            case .int(let i):
                let (n, overflow) = Int64(0).subtractingReportingOverflow(i)
                return i >= 0 ? .int(i) : (overflow ? Convert.decimalValue(-Decimal(i), scale: 0) : .int(n))
            case .decimal(let d, let scale): return Convert.decimalValue(d < 0 ? -d : d, scale: scale)
            case nil: return nil
            }
        case .acos: return double(a[0], Foundation.acos)
        case .asin: return double(a[0], Foundation.asin)
        case .atan: return double(a[0], Foundation.atan)
        case .cos: return double(a[0], Foundation.cos)
        case .cosh: return double(a[0], Foundation.cosh)
        case .sin: return double(a[0], Foundation.sin)
        case .sinh: return double(a[0], Foundation.sinh)
        case .tan: return double(a[0], Foundation.tan)
        case .tanh: return double(a[0], Foundation.tanh)
        case .exp: return double(a[0], Foundation.exp)
        case .ln: return double(a[0], Foundation.log)
        case .log: return double(a[0], Foundation.log10)
        case .sqrt: return double(a[0], Foundation.sqrt)
        case .atan2:
            guard let y = Convert.decimal(a[0]), let x = Convert.decimal(a[1]) else { return nil }
            return fromDouble(Foundation.atan2(SQLDecimal(y).double, SQLDecimal(x).double))
        case .power:
            guard let x = Convert.decimal(a[0]), let y = Convert.decimal(a[1]) else { return nil }
            return fromDouble(Foundation.pow(SQLDecimal(x).double, SQLDecimal(y).double))
        case .bitand, .bitor, .bitxor:
            guard let x = Convert.number(a[0]).flatMap(Convert.floorInt),
                  let y = Convert.number(a[1]).flatMap(Convert.floorInt) else { return nil }
            return .int(f == .bitand ? x & y : (f == .bitor ? x | y : x ^ y))
        case .bitnot:
            guard let x = Convert.number(a[0]).flatMap(Convert.floorInt) else { return nil }
            return .int(~x)
        case .ceil, .floor, .round:
            switch Convert.number(a[0]) {
            case .int(let i): return .int(i)
            case .decimal(let d, _):
                let mode: NSDecimalNumber.RoundingMode = f == .ceil ? .up : (f == .floor ? .down : .plain)
                return Convert.integralValue(SQLDecimal(d).rounded(mode))
            case nil: return nil
            }
        case .sign:
            guard let n = Convert.number(a[0]) else { return nil }
            let d = n.decimal
            return .int(d.isZero ? 0 : (d < 0 ? -1 : 1))
        case .mod, .remainder:
            return Operators.arithmetic(.remainder, a[0], a[1])
        case .trunc:
            return trunc(a[0], a[1])
        case .chr:
            guard let i = Convert.index(a[0]), i >= 0, i <= 127, let s = Unicode.Scalar(UInt32(i)) else { return nil }
            return .string(String(Character(s)))
        case .concat:
            return concat(a)
        case .startswith, .endswith:
            guard let s = Convert.string(a[0]), let t = Convert.string(a[1]) else { return nil }
            return .bool(f == .startswith ? s.hasPrefix(t) || t.isEmpty : s.hasSuffix(t) || t.isEmpty)
        case .get:
            return get(a[0], a[1])
        case .indexof:
            guard let s = Convert.string(a[0]), let t = Convert.string(a[1]) else { return nil }
            guard let range = s.range(of: t) else { return .int(-1) }
            return .int(Int64(s.utf16.distance(from: s.utf16.startIndex, to: range.lowerBound.samePosition(in: s.utf16) ?? s.utf16.startIndex)))
        case .isNull: return .bool(a[0] == .null)
        case .isString: if case .string = a[0] { return .bool(true) } else { return .bool(false) }
        case .isNumber:
            switch a[0] {
            case .int, .decimal: return .bool(true)
            default: return .bool(false)
            }
        case .isBoolean: if case .bool = a[0] { return .bool(true) } else { return .bool(false) }
        case .isArray: if case .array = a[0] { return .bool(true) } else { return .bool(false) }
        case .isObject: if case .object = a[0] { return .bool(true) } else { return .bool(false) }
        case .length:
            // Java String.length: UTF-16 code units (AWS runs on the JVM).
            return Convert.string(a[0]).map { .int(Int64($0.utf16.count)) }
        case .numbytes:
            return Convert.string(a[0]).map { .int(Int64($0.utf8.count)) }
        case .lower: return Convert.string(a[0]).map { .string($0.lowercased()) }
        case .upper: return Convert.string(a[0]).map { .string($0.uppercased()) }
        case .trim: return Convert.string(a[0]).map { .string(trimmed($0, leading: true, trailing: true)) }
        case .ltrim: return Convert.string(a[0]).map { .string(trimmed($0, leading: true, trailing: false)) }
        case .rtrim: return Convert.string(a[0]).map { .string(trimmed($0, leading: false, trailing: true)) }
        case .lpad, .rpad:
            guard let s = Convert.string(a[0]), let n = Convert.index(a[1]) else { return nil }
            let pad = String(repeating: " ", count: Int(min(max(n, 0), 1000)))
            return .string(f == .lpad ? pad + s : s + pad)
        case .replace:
            guard let s = Convert.string(a[0]), let t = Convert.string(a[1]), let r = Convert.string(a[2]) else { return nil }
            if t.isEmpty { return .string(s) }
            return .string(s.replacingOccurrences(of: t, with: r))
        case .substring:
            return substring(a)
        case .nanvl:
            switch a[0] {
            case nil, .null: return a[1]
            default: return a[0]
            }
        case .decode:
            guard case .string(let scheme) = a[1], scheme.lowercased() == "base64" else { return nil }
            guard case .string(let text) = a[0] else { return nil }
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else { return .null }
            let bytes = [UInt8](data)
            if let v = try? JSONParser.parse(bytes: bytes) { return v }
            guard let s = String(validating: bytes, as: UTF8.self) else { return .null }
            return .string(s)
        case .transform:
            guard case .string(let mode) = a[0], mode == "enrichArray",
                  case .object(let extra) = a[1], case .array(let items) = a[2] else { return nil }
            var out: [JSONValue] = []
            for item in items {
                guard case .object(var o) = item else { continue }
                for m in extra.members { o[m.key] = m.value }
                out.append(.object(o))
            }
            return .array(out)
        case .parseTime:
            guard case .string(let pattern) = a[0], let ms = Convert.number(a[1]).flatMap(Convert.floorInt) else { return nil }
            var zone = "UTC"
            if a.count == 3 {
                guard case .string(let z) = a[2] else { return nil }
                zone = z
            }
            return DateFunctions.format(pattern: pattern, milliseconds: ms, timeZone: zone).map { .string($0) }
        case .timeToEpoch:
            guard let text = Convert.string(a[0]), case .string(let pattern) = a[1] else { return nil }
            return DateFunctions.parse(text, pattern: pattern).map { .int($0) }
        default:
            // Context functions, encode, isUndefined and the regex functions are handled by the evaluator.
            return nil
        }
    }

    /// Math functions: the argument is rounded to double precision first, the result is a Decimal of
    /// double precision; NaN and infinities are Undefined ("imaginary results are returned as Undefined").
    static func double(_ v: JSONValue?, _ f: (Double) -> Double) -> JSONValue? {
        guard let d = Convert.decimal(v) else { return nil }
        return fromDouble(f(SQLDecimal(d).double))
    }

    static func fromDouble(_ d: Double) -> JSONValue? {
        SQLDecimal.fromDouble(d).map { .decimal($0) }
    }

    /// `trunc(x, n)`: truncate toward zero to `n` places (clamped to 0…34), trailing zeros stripped —
    /// so a whole result prints as an integer (`trunc(2.3, 0)` = 2).
    static func trunc(_ x: JSONValue?, _ n: JSONValue?) -> JSONValue? {
        if case .int(let i) = x, case .int = n { return .int(i) }
        guard let value = Convert.decimal(x), let places = Convert.number(n).flatMap(Convert.floorInt) else { return nil }
        let scale = Int(min(max(places, 0), 34))
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, scale, value < 0 ? .up : .down)
        if SQLDecimal(output).isWhole, let i = SQLDecimal.int64(fromIntegral: output) { return .int(i) }
        return .decimal(SQLDecimal(output))
    }

    static func concat(_ a: [JSONValue?]) -> JSONValue? {
        if a.isEmpty { return nil }
        if a.count == 1 { return a[0] }
        if a.contains(where: { if case .array = $0 { return true } else { return false } }) {
            var out: [JSONValue] = []
            for v in a {
                switch v {
                case .array(let items): out.append(contentsOf: items)
                case .some(let x): out.append(x)
                case nil: continue
                }
            }
            return .array(out)
        }
        var s = ""
        for v in a {
            guard let part = Convert.string(v) else { return nil }
            s += part
        }
        return .string(s)
    }

    static func get(_ container: JSONValue?, _ key: JSONValue?) -> JSONValue? {
        switch container {
        case .array(let items):
            guard let i = Convert.index(key), i >= 0, i < items.count else { return nil }
            return items[Int(i)]
        case .string(let s):
            let units = Array(s.utf16)
            guard let i = Convert.index(key), i >= 0, i < units.count else { return nil }
            return .string(String(decoding: [units[Int(i)]], as: UTF16.self))
        case .object(let o):
            guard case .string(let k) = key else { return nil }
            return o[k]
        default:
            return nil
        }
    }

    /// `substring(s, start[, end])` over UTF-16 code units, indices clamped to the string.
    static func substring(_ a: [JSONValue?]) -> JSONValue? {
        guard let s = Convert.string(a[0]), let start = Convert.index(a[1]) else { return nil }
        let units = Array(s.utf16)
        let count = Int64(units.count)
        let from = min(max(start, 0), count)
        var to = count
        if a.count == 3 {
            guard let end = Convert.index(a[2]) else { return nil }
            to = min(max(end, 0), count)
        }
        if from >= to { return .string("") }
        return .string(String(decoding: units[Int(from)..<Int(to)], as: UTF16.self))
    }

    /// Trims characters up to U+0020 (spaces, tabs, line breaks), as Java's `String.trim`.
    static func trimmed(_ s: String, leading: Bool, trailing: Bool) -> String {
        var scalars = Substring(s).unicodeScalars[...]
        if leading { while let f = scalars.first, f.value <= 0x20 { scalars.removeFirst() } }
        if trailing { while let l = scalars.last, l.value <= 0x20 { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    static func regex(_ f: SQLFunction, _ a: [JSONValue?], precompiled: NSRegularExpression?) -> JSONValue? {
        guard let s = Convert.string(a[0]) else { return nil }
        let re: NSRegularExpression
        if let precompiled {
            re = precompiled
        } else {
            guard let pattern = Convert.string(a[1]), let compiled = try? NSRegularExpression(pattern: pattern) else { return nil }
            re = compiled
        }
        let ns = s as NSString
        let range = NSRange(location: 0, length: ns.length)
        switch f {
        case .regexpMatches:
            return .bool(re.firstMatch(in: s, range: range) != nil)
        case .regexpSubstr:
            guard let m = re.firstMatch(in: s, range: range) else { return nil }
            return .string(ns.substring(with: m.range))
        case .regexpReplace:
            guard let template = Convert.string(a[2]) else { return nil }
            return .string(re.stringByReplacingMatches(in: s, range: range, withTemplate: template))
        default:
            return nil
        }
    }

    /// `cast(v AS type)` (developer guide, "Functions", cast()).
    static func cast(_ v: JSONValue?, to type: CastType) -> JSONValue? {
        switch type {
        case .string:
            return Convert.string(v).map { .string($0) }
        case .int:
            switch v {
            case .bool(let b): return .int(b ? 1 : 0)
            default: return Convert.number(v).flatMap(Convert.floorInt).map { .int($0) }
            }
        case .decimal:
            switch v {
            case .bool(let b): return .decimal(SQLDecimal(b ? 1 : 0, scale: 1))
            case .decimal: return v
            default: return Convert.number(v).map { .decimal(SQLDecimal($0.decimal, scale: $0.scale)) }
            }
        case .double:
            switch v {
            case .bool(let b): return .decimal(SQLDecimal(b ? 1 : 0, scale: 1))
            default: return Convert.decimal(v).flatMap { fromDouble(SQLDecimal($0).double) }
            }
        case .boolean:
            switch v {
            case .int(let i): return .bool(i != 0)
            case .decimal(let d): return .bool(!d.value.isZero)
            default: return Convert.bool(v).map { .bool($0) }
            }
        }
    }
}
