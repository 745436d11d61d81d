import Foundation

/// A number in one of AWS's two numeric types.
enum Number {
    case int(Int64)
    /// A decimal and its scale (digits after the point).
    case decimal(Decimal, Int)

    var decimal: Decimal {
        switch self {
        case .int(let i): Decimal(i)
        case .decimal(let d, _): d
        }
    }

    /// Ints have scale 0.
    var scale: Int {
        switch self {
        case .int: 0
        case .decimal(_, let s): s
        }
    }
}

/// AWS IoT SQL's standard conversions (developer guide, "Data types", Conversions). Each returns
/// `nil` for Undefined.
enum Convert {
    /// To Decimal: Int and Decimal as they are; String when it matches AWS's number pattern.
    static func number(_ v: JSONValue?) -> Number? {
        switch v {
        case .int(let i): .int(i)
        case .decimal(let d): .decimal(d.value, d.effectiveScale)
        case .string(let s): SQLDecimal.awsString(s).map { .decimal($0.value, $0.effectiveScale) }
        default: nil
        }
    }

    /// To Decimal, always as a `Decimal`.
    static func decimal(_ v: JSONValue?) -> Decimal? { number(v)?.decimal }

    /// To Int for index-like arguments: Decimals and numeric strings are truncated toward zero and
    /// saturate at the Int64 range (so `substring(x, -2.411E247)` is `substring(x, Int64.min)`).
    static func index(_ v: JSONValue?) -> Int64? {
        switch number(v) {
        case .int(let i): return i
        case .decimal(let d, _):
            let t = SQLDecimal(d).truncated
            if t > SQLDecimal.int64Max { return Int64.max }
            if t < SQLDecimal.int64Min { return Int64.min }
            return SQLDecimal.int64(fromIntegral: t)
        case nil: return nil
        }
    }

    /// To Int rounding down (floor), as the bitwise functions and `cast(… AS Int)` document; `nil`
    /// when out of the Int64 range.
    static func floorInt(_ n: Number) -> Int64? {
        switch n {
        case .int(let i): i
        case .decimal(let d, _): SQLDecimal.int64(fromIntegral: SQLDecimal(d).rounded(.down))
        }
    }

    /// To Boolean: Booleans, and the strings "true"/"false" in any case.
    static func bool(_ v: JSONValue?) -> Bool? {
        switch v {
        case .bool(let b): return b
        case .string(let s):
            if s.count == 4, s.lowercased() == "true" { return true }
            if s.count == 5, s.lowercased() == "false" { return false }
            return nil
        default: return nil
        }
    }

    /// To String: Null and Undefined do not convert; Arrays and Objects become their JSON text.
    static func string(_ v: JSONValue?) -> String? {
        switch v {
        case .string(let s): s
        case .int(let i): String(i)
        case .decimal(let d): d.jsonText
        case .bool(let b): b ? "true" : "false"
        case .array, .object: v?.jsonText
        case .null, nil: nil
        }
    }

    /// A Decimal result: kept as Decimal unless the SQL-version option folds whole numbers to Int.
    static func decimalValue(_ d: Decimal, scale: Int?) -> JSONValue? {
        if d.isNaN { return nil }
        if let scale { return .decimal(SQLDecimal(d, scale: scale)) }
        return .decimal(SQLDecimal(d))
    }

    /// An integral Decimal as an Int when it fits, else as a Decimal (ceil/floor/round of huge values).
    static func integralValue(_ d: Decimal) -> JSONValue {
        if let i = SQLDecimal.int64(fromIntegral: d) { return .int(i) }
        return .decimal(SQLDecimal(d))
    }

    static let tenTo34 = Decimal(sign: .plus, exponent: 34, significand: 1)

    /// Rounds to 34 significant digits (AWS's Decimal precision, IEEE 754 decimal128), half-even.
    static func limitPrecision(_ d: Decimal) -> (Decimal, scale: Int?) {
        guard !d.isZero, !d.isNaN else { return (d, nil) }
        // The integer mantissa (|d| without its exponent) has more than 34 digits only if it is at
        // least 10^34: check that cheaply before the costly digit count.
        let magnitude = d < 0 ? -d : d
        if Decimal(sign: .plus, exponent: -Int(d.exponent), significand: magnitude) < tenTo34 { return (d, nil) }
        let text = (d < 0 ? -d : d).description
        let digits = text.filter(\.isNumber)
        let significant = digits.drop { $0 == "0" }.count
        guard significant > 34 else { return (d, nil) }
        let fraction = text.firstIndex(of: ".").map { text.distance(from: $0, to: text.endIndex) - 1 } ?? 0
        var input = d
        var output = Decimal()
        let scale = fraction - (significant - 34)
        NSDecimalRound(&output, &input, scale, .bankers)
        return (output, scale)
    }
}
