public import Foundation

/// An AWS IoT SQL `Decimal`: an exact base-10 number (Foundation `Decimal`, 38 significant digits;
/// AWS documents 34), its scale (digits after the point, as Java's `BigDecimal` — which AWS runs
/// on — tracks it) and, when it came from text, that text.
///
/// Keeping the source text lets a value read from the payload or written in the SQL print exactly
/// as it was written (`1.50` stays `1.50`, `1.0` stays `1.0`), the way AWS passes payload numbers
/// through. A computed value prints with its scale (`1.50 + 1` = `2.50`, `1.5 * 1.5` = `2.25`,
/// `"6" - 1` = `5`); a double-precision result (no scale) prints its shortest form with at least
/// one fractional digit (`sqrt(9)` = `3.0`). Equality and hashing use the numeric value only.
public struct SQLDecimal: Sendable, Hashable, CustomStringConvertible {
    /// The numeric value.
    public let value: Decimal
    /// The text it was parsed from, if any (always valid JSON number syntax).
    public let sourceText: String?
    /// Digits after the decimal point, when known (nil for double-precision results).
    public let scale: Int?

    /// The same number as an exact fixed-point pair (`value == mantissa × 10^-scale`, with `scale`
    /// the decimal's own scale), when it is known and small: set by the JSON parser and by the
    /// fixed-point fast paths of the operators, so that common arithmetic and comparisons avoid
    /// Foundation `Decimal` (see ``FixedPoint``). Not part of equality.
    let fixed: FixedPoint?

    /// The largest scale kept; beyond it (hostile `1e-99999`) printing falls back to the shortest form.
    static let maximumScale = 128

    /// A decimal without a known scale (a double-precision result).
    public init(_ value: Decimal) {
        self.value = value
        self.sourceText = nil
        self.scale = nil
        self.fixed = nil
    }

    /// A computed decimal with a scale.
    public init(_ value: Decimal, scale: Int) {
        self.value = value
        self.sourceText = nil
        self.scale = abs(scale) <= SQLDecimal.maximumScale ? scale : nil
        self.fixed = nil
    }

    init(value: Decimal, sourceText: String?) {
        self.value = value
        self.sourceText = sourceText
        self.scale = sourceText.flatMap(SQLDecimal.scale(ofText:))
        self.fixed = nil
    }

    /// A computed decimal from its exact fixed-point form.
    init(fixed: FixedPoint) {
        self.value = fixed.decimal
        self.sourceText = nil
        self.scale = fixed.scale
        self.fixed = fixed
    }

    /// A parsed decimal whose scale the parser already knows (the same as ``scale(ofText:)`` of the
    /// text: fraction digits minus the exponent), so the text is not scanned a second time.
    init(value: Decimal, sourceText: String, knownScale: Int, mantissa: Int64?) {
        self.value = value
        self.sourceText = sourceText
        self.scale = abs(knownScale) <= SQLDecimal.maximumScale ? knownScale : nil
        self.fixed = mantissa.flatMap { FixedPoint(mantissa: $0, scale: knownScale) }
    }

    /// The scale a number's text implies: fraction digits minus the exponent (`1.50` → 2, `1e3` → -3).
    static func scale(ofText text: String) -> Int? {
        let mantissa = text.prefix { $0 != "e" && $0 != "E" }
        var fraction = 0
        if let dot = mantissa.firstIndex(of: ".") { fraction = mantissa.distance(from: dot, to: mantissa.endIndex) - 1 }
        var exponent = 0
        if mantissa.endIndex < text.endIndex {
            guard let e = Int(text[text.index(after: mantissa.endIndex)...].drop { $0 == "+" }) else { return nil }
            exponent = e
        }
        let (scale, overflow) = fraction.subtractingReportingOverflow(exponent)
        return !overflow && abs(scale) <= maximumScale ? scale : nil
    }

    /// The scale, or the smallest one that represents the value.
    var effectiveScale: Int { scale ?? minimalScale }

    /// The fewest fraction digits that represent the value exactly (0 for whole numbers).
    var minimalScale: Int {
        if value.exponent >= 0 { return 0 }
        // Foundation prints plain notation without trailing zeros.
        let text = value.description
        guard let dot = text.firstIndex(of: "."), !text.contains("e") else { return 0 }
        return text.distance(from: dot, to: text.endIndex) - 1
    }

    /// Parses JSON number syntax (`-?digits[.digits][e[+-]digits]`); `nil` if malformed. Values beyond
    /// Foundation `Decimal`'s range (about 1E-128 … 1E127) saturate (see docs/rules.md, "Numbers").
    public init?(parsing text: String) {
        guard SQLDecimal.isJSONNumber(text) else { return nil }
        let mantissa = text.prefix { $0 != "e" && $0 != "E" }
        let nonZero = mantissa.contains(where: { ("1"..."9").contains($0) })
        if let d = Decimal(string: text, locale: SQLDecimal.posix), !d.isNaN, !(d.isZero && nonZero) {
            self.value = d
        } else {
            // Beyond Foundation Decimal's exponent range (AWS allows up to E999): saturate the value
            // used in arithmetic — the largest magnitude, or zero for underflow — and keep the text.
            let exponentText = text.drop { $0 != "e" && $0 != "E" }.dropFirst()
            let negativeExponent = exponentText.first == "-"
            if negativeExponent {
                self.value = 0
            } else {
                self.value = text.hasPrefix("-") ? -Decimal.greatestFiniteMagnitude : Decimal.greatestFiniteMagnitude
            }
        }
        self.sourceText = text
        self.scale = SQLDecimal.scale(ofText: text)
        self.fixed = nil
    }

    static let posix = Locale(identifier: "en_US_POSIX")

    /// JSON number grammar (RFC 8259 §6).
    static func isJSONNumber(_ text: String) -> Bool {
        var it = text.utf8.makeIterator()
        var c = it.next()
        if c == UInt8(ascii: "-") { c = it.next() }
        guard let first = c, first >= 48, first <= 57 else { return false }
        c = it.next()
        if first == 48, let n = c, n >= 48, n <= 57 { return false }
        while let d = c, d >= 48, d <= 57 { c = it.next() }
        if c == UInt8(ascii: ".") {
            c = it.next()
            guard let d = c, d >= 48, d <= 57 else { return false }
            while let d = c, d >= 48, d <= 57 { c = it.next() }
        }
        if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            c = it.next()
            if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { c = it.next() }
            guard let d = c, d >= 48, d <= 57 else { return false }
            while let d = c, d >= 48, d <= 57 { c = it.next() }
        }
        return c == nil
    }

    /// AWS's string-to-Decimal rule (developer guide, "Data types", Conversions): the string must
    /// match `^-?\d+(\.\d+)?((?i)E-?\d+)?$` — no `+`, no spaces, no leading or trailing dot.
    public static func awsString(_ text: String) -> SQLDecimal? {
        var it = text.utf8.makeIterator()
        var c = it.next()
        if c == UInt8(ascii: "-") { c = it.next() }
        guard let first = c, first >= 48, first <= 57 else { return nil }
        while let d = c, d >= 48, d <= 57 { c = it.next() }
        if c == UInt8(ascii: ".") {
            c = it.next()
            guard let d = c, d >= 48, d <= 57 else { return nil }
            while let d = c, d >= 48, d <= 57 { c = it.next() }
        }
        if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            c = it.next()
            if c == UInt8(ascii: "-") { c = it.next() }
            guard let d = c, d >= 48, d <= 57 else { return nil }
            while let d = c, d >= 48, d <= 57 { c = it.next() }
        }
        guard c == nil, let d = Decimal(string: text, locale: posix), !d.isNaN else { return nil }
        return SQLDecimal(d, scale: SQLDecimal.scale(ofText: text) ?? max(0, -Int(d.exponent)))
    }

    /// Whether the value has no fractional part.
    public var isWhole: Bool {
        if value.isZero { return true }
        if value.exponent >= 0 { return true }
        return rounded(.down) == value
    }

    /// The value rounded to an integer with a Foundation rounding mode (`.plain` = half away from
    /// zero, `.down` = floor, `.up` = ceiling).
    func rounded(_ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, 0, mode)
        return output
    }

    /// Truncated toward zero.
    var truncated: Decimal { value < 0 ? rounded(.up) : rounded(.down) }

    static let int64Max = Decimal(Int64.max)
    static let int64Min = Decimal(Int64.min)

    /// An integral `Decimal` as `Int64`, or `nil` when out of range.
    static func int64(fromIntegral d: Decimal) -> Int64? {
        guard d >= int64Min, d <= int64Max else { return nil }
        return NSDecimalNumber(decimal: d).int64Value
    }

    /// The value as a `Double` (AWS rounds Decimals to double precision for math functions).
    public var double: Double { NSDecimalNumber(decimal: value).doubleValue }

    /// A decimal from a double-precision result, printed the shortest round-trip way; `nil` for
    /// NaN and infinities (AWS returns Undefined for those).
    static func fromDouble(_ d: Double) -> SQLDecimal? {
        guard d.isFinite else { return nil }
        if d == 0 { return SQLDecimal(Decimal(0)) }
        guard let dec = Decimal(string: "\(d)", locale: posix) else { return nil }
        return SQLDecimal(dec)
    }

    /// The JSON text: the source text if there is one, else the canonical form: plain notation,
    /// no trailing zeros, and at least one fractional digit so it still reads as a Decimal
    /// (`3.0`, `0.3`, `-12.5`) — the form AWS's examples show (`sqrt(9)` = 3.0, `power(2, 5)` = 32.0).
    public var jsonText: String {
        if let sourceText { return sourceText }
        if let scale { return SQLDecimal.format(value, scale: scale) }
        var text = value.description
        if text.contains("e") || text.contains("E") { return text }
        if !text.contains(".") { text += ".0" }
        return text
    }

    /// Plain notation with exactly `scale` fraction digits (no point for a scale ≤ 0).
    static func format(_ value: Decimal, scale: Int) -> String {
        var input = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &input, max(scale, 0), .bankers)
        var text = rounded.description
        if text.contains("e") || text.contains("E") { return text }
        guard scale > 0 else { return text }
        let fraction = text.firstIndex(of: ".").map { text.distance(from: $0, to: text.endIndex) - 1 }
        if let fraction {
            if fraction < scale { text += String(repeating: "0", count: scale - fraction) }
        } else {
            text += "." + String(repeating: "0", count: scale)
        }
        return text
    }

    /// The AWS "to string" form of a Decimal (the same as ``jsonText``).
    public var description: String { jsonText }

    public static func == (lhs: SQLDecimal, rhs: SQLDecimal) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

/// An exact decimal `mantissa × 10^-scale` in 64-bit integers: the fast path of `+ - * /` and of the
/// comparisons for the usual sensor values (a few digits, scale within ±18). Every operation checks
/// for overflow and returns nil when the result would not be exact, and the caller then takes the
/// Foundation `Decimal` path, so results are identical either way (same value, same scale).
struct FixedPoint: Sendable, Hashable {
    let mantissa: Int64
    let scale: Int

    static let maxScale = 18
    static let powers: [Int64] = (0...18).map { p in (0..<p).reduce(Int64(1)) { a, _ in a * 10 } }

    init?(mantissa: Int64, scale: Int) {
        guard abs(scale) <= FixedPoint.maxScale else { return nil }
        self.mantissa = mantissa
        self.scale = scale
    }

    /// An Int as scale 0.
    init(_ i: Int64) { mantissa = i; scale = 0 }

    /// The value as a Foundation `Decimal`.
    var decimal: Decimal {
        Decimal(sign: mantissa < 0 ? .minus : .plus, exponent: -scale, significand: Decimal(mantissa.magnitude))
    }

    /// The mantissa at a larger scale (exact), or nil on overflow.
    func mantissa(atScale target: Int) -> Int64? {
        let shift = target - scale
        guard shift >= 0, shift <= FixedPoint.maxScale else { return nil }
        let (m, o) = mantissa.multipliedReportingOverflow(by: FixedPoint.powers[shift])
        return o ? nil : m
    }

    /// Both mantissas at the larger scale.
    static func aligned(_ a: FixedPoint, _ b: FixedPoint) -> (Int64, Int64, Int)? {
        let s = max(a.scale, b.scale)
        guard let x = a.mantissa(atScale: s), let y = b.mantissa(atScale: s) else { return nil }
        return (x, y, s)
    }

    /// `a + b` with the larger scale (BigDecimal `add`).
    static func add(_ a: FixedPoint, _ b: FixedPoint) -> FixedPoint? {
        guard let (x, y, s) = aligned(a, b) else { return nil }
        let (r, o) = x.addingReportingOverflow(y)
        return o ? nil : FixedPoint(mantissa: r, scale: s)
    }

    /// `a - b` with the larger scale.
    static func subtract(_ a: FixedPoint, _ b: FixedPoint) -> FixedPoint? {
        guard let (x, y, s) = aligned(a, b) else { return nil }
        let (r, o) = x.subtractingReportingOverflow(y)
        return o ? nil : FixedPoint(mantissa: r, scale: s)
    }

    /// `a * b` with the sum of the scales (exact: no rounding is needed below 19 digits).
    static func multiply(_ a: FixedPoint, _ b: FixedPoint) -> FixedPoint? {
        let (r, o) = a.mantissa.multipliedReportingOverflow(by: b.mantissa)
        return o ? nil : FixedPoint(mantissa: r, scale: a.scale + b.scale)
    }

    /// `a / b` when the quotient is exact within 18 extra digits: BigDecimal's preferred scale
    /// `a.scale − b.scale`, or more when the quotient needs more digits (never below 0 then, as the
    /// Foundation path gives). nil for an inexact quotient (the caller rounds to 34 digits).
    static func divide(_ a: FixedPoint, _ b: FixedPoint) -> FixedPoint? {
        guard b.mantissa != 0 else { return nil }
        for k in 0...FixedPoint.maxScale {
            let (n, o) = a.mantissa.multipliedReportingOverflow(by: powers[k])
            if o || (n == Int64.min && b.mantissa == -1) { return nil }   // the only overflowing quotient
            let (q, r) = n.quotientAndRemainder(dividingBy: b.mantissa)
            guard r == 0 else { continue }
            // q × 10^-(a.scale − b.scale + k) exactly; strip trailing zeros for the minimal scale.
            var m = q
            var s = a.scale - b.scale + k
            while m != 0, m % 10 == 0 { m /= 10; s -= 1 }
            if m == 0 { s = 0 }
            let preferred = a.scale - b.scale
            let target = max(preferred, 0, s)
            guard let out = FixedPoint(mantissa: m, scale: s)?.mantissa(atScale: target) else { return nil }
            return FixedPoint(mantissa: out, scale: target)
        }
        return nil
    }

    /// -1, 0 or 1.
    static func compare(_ a: FixedPoint, _ b: FixedPoint) -> Int? {
        guard let (x, y, _) = aligned(a, b) else { return nil }
        return x < y ? -1 : (x == y ? 0 : 1)
    }
}
