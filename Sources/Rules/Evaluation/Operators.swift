import Foundation

/// AWS IoT SQL operators (developer guide, "Operators"): each table row is one `case` below.
enum Operators {
    static func apply(_ op: Expression.BinaryOperator, _ l: JSONValue?, _ r: JSONValue?) -> JSONValue? {
        switch op {
        case .and:
            guard let a = Convert.bool(l), let b = Convert.bool(r) else { return nil }
            return .bool(a && b)
        case .or:
            guard let a = Convert.bool(l), let b = Convert.bool(r) else { return nil }
            return .bool(a || b)
        case .equal: return equals(l, r).map { .bool($0) }
        case .notEqual: return equals(l, r).map { .bool(!$0) }
        case .less: return compare(l, r).map { .bool($0 < 0) }
        case .lessOrEqual: return compare(l, r).map { .bool($0 <= 0) }
        case .greater: return compare(l, r).map { .bool($0 > 0) }
        case .greaterOrEqual: return compare(l, r).map { .bool($0 >= 0) }
        case .add: return add(l, r)
        case .subtract, .multiply, .divide, .remainder: return arithmetic(op, l, r)
        }
    }

    /// `+`: string concatenation when either side is a String (the other converted to a string),
    /// else Int + Int = Int, any Decimal makes a Decimal; anything else is Undefined.
    static func add(_ l: JSONValue?, _ r: JSONValue?) -> JSONValue? {
        if case .string(let a) = l {
            guard let b = Convert.string(r) else { return nil }
            return .string(a + b)
        }
        if case .string(let b) = r {
            guard let a = Convert.string(l) else { return nil }
            return .string(a + b)
        }
        switch (l, r) {
        case (.int(let a), .int(let b)):
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? Convert.decimalValue(Decimal(a) + Decimal(b), scale: 0) : .int(sum)
        case (.int, .decimal), (.decimal, .int), (.decimal, .decimal):
            if let a = fixed(l), let b = fixed(r), let sum = FixedPoint.add(a, b) { return .decimal(SQLDecimal(fixed: sum)) }
            guard let a = Convert.number(l), let b = Convert.number(r) else { return nil }
            return Convert.decimalValue(a.decimal + b.decimal, scale: max(a.scale, b.scale))
        default:
            return nil
        }
    }

    /// `-`, `*`, `/`, `%`: Int op Int = Int; otherwise numbers and numeric strings give a Decimal.
    static func arithmetic(_ op: Expression.BinaryOperator, _ l: JSONValue?, _ r: JSONValue?) -> JSONValue? {
        if case .int(let a) = l, case .int(let b) = r {
            let result: (Int64, Bool)
            switch op {
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide:
                if b == 0 { return nil }
                result = a.dividedReportingOverflow(by: b)
            case .remainder:
                if b == 0 { return nil }
                if b == -1 { return .int(0) }
                result = a.remainderReportingOverflow(dividingBy: b)
            default: return nil
            }
            if !result.1 { return .int(result.0) }
            return decimalArithmetic(op, .int(a), .int(b))
        }
        // Exact fixed-point fast path (same value and scale as the Decimal path below).
        if let a = fixed(l), let b = fixed(r) {
            let result: FixedPoint? = switch op {
            case .subtract: FixedPoint.subtract(a, b)
            case .multiply: FixedPoint.multiply(a, b)
            case .divide: FixedPoint.divide(a, b)
            default: nil
            }
            if let result { return .decimal(SQLDecimal(fixed: result)) }
        }
        // Only Int, Decimal and numeric String operands take part.
        for v in [l, r] {
            switch v {
            case .int, .decimal, .string: continue
            default: return nil
            }
        }
        guard let a = Convert.number(l), let b = Convert.number(r) else { return nil }
        return decimalArithmetic(op, a, b)
    }

    /// Decimal arithmetic with Java `BigDecimal` scales (AWS runs on the JVM): `-` keeps the larger
    /// scale, `*` adds them, `/` prefers their difference when the quotient is exact and otherwise
    /// gives 34 significant digits; `%` keeps the larger scale.
    static func decimalArithmetic(_ op: Expression.BinaryOperator, _ x: Number, _ y: Number) -> JSONValue? {
        let a = x.decimal, b = y.decimal
        switch op {
        case .subtract: return Convert.decimalValue(a - b, scale: max(x.scale, y.scale))
        case .multiply:
            let (product, rounded) = Convert.limitPrecision(a * b)
            return Convert.decimalValue(product, scale: rounded ?? x.scale + y.scale)
        case .divide:
            if b.isZero { return nil }
            let (quotient, rounded) = Convert.limitPrecision(a / b)
            if let rounded { return Convert.decimalValue(quotient, scale: rounded) }
            // Exact quotient (an inexact one fills all 38 digits and was rounded above): the
            // preferred scale, or more if the quotient needs more digits.
            let preferred = x.scale - y.scale
            if preferred >= max(0, -Int(quotient.exponent)) { return Convert.decimalValue(quotient, scale: preferred) }
            return Convert.decimalValue(quotient, scale: max(preferred, SQLDecimal(quotient).minimalScale))
        case .remainder:
            return remainder(a, b).flatMap { Convert.decimalValue($0, scale: max(x.scale, y.scale)) }
        default: return nil
        }
    }

    /// Remainder with the sign of the dividend (Java `BigDecimal.remainder`).
    static func remainder(_ a: Decimal, _ b: Decimal) -> Decimal? {
        if b.isZero { return nil }
        let quotient = SQLDecimal(a / b).truncated
        return a - quotient * b
    }

    /// `<`, `<=`, `>`, `>=`: both operands converted to Decimal (numeric strings included); anything
    /// else is Undefined. Returns -1, 0 or 1.
    static func compare(_ l: JSONValue?, _ r: JSONValue?) -> Int? {
        if case .int(let a) = l, case .int(let b) = r { return a < b ? -1 : (a == b ? 0 : 1) }
        if let a = fixed(l), let b = fixed(r), let c = FixedPoint.compare(a, b) { return c }
        guard let a = Convert.decimal(l), let b = Convert.decimal(r) else { return nil }
        return a < b ? -1 : (a == b ? 0 : 1)
    }

    /// The exact fixed-point form of an Int or a Decimal that has one (parsed or computed by a fast path).
    @inline(__always)
    static func fixed(_ v: JSONValue?) -> FixedPoint? {
        switch v {
        case .int(let i): FixedPoint(i)
        case .decimal(let d): d.fixed
        default: nil
        }
    }

    /// `=`: Undefined if either side is Undefined; Int and Decimal compare numerically; Arrays in
    /// order, Objects regardless of key order; mismatched types are simply not equal.
    static func equals(_ l: JSONValue?, _ r: JSONValue?) -> Bool? {
        guard let l, let r else { return nil }
        return same(l, r)
    }

    static func same(_ l: JSONValue, _ r: JSONValue) -> Bool {
        switch (l, r) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.int(let a), .decimal(let b)): return Decimal(a) == b.value
        case (.decimal(let a), .int(let b)): return a.value == Decimal(b)
        case (.decimal(let a), .decimal(let b)): return a.value == b.value
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where !same(x, y) { return false }
            return true
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for m in a.members {
                guard let other = b[m.key], same(m.value, other) else { return false }
            }
            return true
        default: return false
        }
    }

    /// Unary minus: Int (overflow to Decimal), Decimal, or a numeric String (as Decimal).
    static func negate(_ v: JSONValue?) -> JSONValue? {
        switch v {
        case .int(let i):
            let (n, overflow) = Int64(0).subtractingReportingOverflow(i)
            return overflow ? Convert.decimalValue(-Decimal(i), scale: 0) : .int(n)
        case .decimal(let d): return Convert.decimalValue(-d.value, scale: d.effectiveScale)
        case .string: return Convert.number(v).flatMap { Convert.decimalValue(-$0.decimal, scale: $0.scale) }
        default: return nil
        }
    }
}
