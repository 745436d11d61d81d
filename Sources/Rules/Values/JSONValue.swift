import Foundation

/// A JSON value as the rules engine sees it, with AWS IoT SQL's type distinctions.
///
/// AWS IoT SQL distinguishes `Int` from `Decimal` (AWS IoT developer guide, "Data types"): `1` is an
/// `Int`, `1.0` a `Decimal`, and operators pick their result type from that (`Int + Int` is an
/// `Int`, anything with a `Decimal` is a `Decimal`). So numbers are never folded into one `Double`.
///
/// `Undefined` is not a case here: the evaluator uses `JSONValue?` and `nil` *is* Undefined, which
/// makes "Undefined is not representable in JSON" true by construction (an object or array can
/// never hold it).
public enum JSONValue: Sendable, Hashable {
    /// JSON `null` (a real value, unlike Undefined).
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// A 64-bit integer. Integer literals beyond Int64 are held as `.decimal` (see docs/rules.md).
    case int(Int64)
    /// A Decimal (`1.0`, `2.5`, `1e3`).
    case decimal(SQLDecimal)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object (ordered members).
    case object(JSONObject)

    /// The AWS type name, as used in error messages and `typeName` tests.
    public var typeName: String {
        switch self {
        case .null: "Null"
        case .bool: "Boolean"
        case .int: "Int"
        case .decimal: "Decimal"
        case .string: "String"
        case .array: "Array"
        case .object: "Object"
        }
    }
}

/// A JSON object that keeps its members in insertion order (AWS keeps the SELECT order in its output).
///
/// Lookups scan linearly: payload objects are small (tens of keys) and this beats hashing for them.
/// A duplicate key in parsed JSON keeps the last value, as most JSON parsers do.
public struct JSONObject: Sendable, Hashable {
    /// The members in order.
    public private(set) var members: [(key: String, value: JSONValue)]

    /// An empty object.
    public init() { members = [] }

    /// An object with these members; a later duplicate key replaces an earlier one.
    public init(_ pairs: [(String, JSONValue)]) {
        members = []
        members.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    /// Number of members.
    public var count: Int { members.count }
    /// Keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The value for `key`, or `nil`; assigning `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            for m in members where m.key == key { return m.value }
            return nil
        }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// Appends without checking for an existing key (the parser's fast path; it checks itself).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append((key, value))
    }

    /// AWS `=` on objects: same keys and equal values, order unimportant.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for m in lhs.members {
            guard let other = rhs[m.key], other == m.value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine per-member hashes commutatively.
        var total = 0
        for m in members {
            var h = Hasher()
            h.combine(m.key)
            h.combine(m.value)
            total ^= h.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(total)
    }
}

extension JSONValue {
    /// Convenience for tests and callers: a `Decimal` from its text (`"1.50"`), keeping that text.
    public static func decimal(_ text: String) -> JSONValue? {
        SQLDecimal(parsing: text).map { .decimal($0) }
    }

    /// Member access for objects (`nil` for non-objects or a missing key).
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}
