import TextPrimitives

/// A JSON value as codecs exchange it: what goes into a codec function and what comes back.
///
/// Objects keep their members in the order the producer wrote them (a codec's
/// `{temperature, humidity}` prints in that order), and compare equal regardless of order.
/// Numbers are `Double`, as in JavaScript.
public enum JSONValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member `key` of an object, or `nil` (also for non-objects).
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The number, if this is one.
    public var number: Double? { if case .number(let n) = self { return n } else { return nil } }
    /// The string, if this is one.
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The elements, if this is an array.
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The members, if this is an object.
    public var object: JSONObject? { if case .object(let o) = self { return o } else { return nil } }

    /// Compact JSON text (no insignificant whitespace), members in order.
    public var description: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Parses JSON text (RFC 8259). Nesting deeper than `maxDepth` is rejected.
    /// - Throws: `CodecError.invalidJSON` saying what is wrong and where.
    public init(parsing text: String, maxDepth: Int = 64) throws(CodecError) {
        var parser = JSONParser(text: text, maxDepth: maxDepth)
        self = try parser.parseDocument()
    }

    /// Parses JSON from UTF-8 bytes.
    public init(parsingUTF8 bytes: [UInt8], maxDepth: Int = 64) throws(CodecError) {
        var parser = JSONParser(utf8: bytes, maxDepth: maxDepth)
        self = try parser.parseDocument()
    }

    /// Appends compact JSON text for this value to `out`.
    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += JSONValue.format(n)
        case .string(let s): JSONEscaping.appendQuoted(s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, (k, v)) in o.members.enumerated() {
                if i > 0 { out += "," }
                JSONEscaping.appendQuoted(k, to: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    /// Numbers print as JavaScript prints them where it matters: integers without a fraction,
    /// others in Swift's shortest round-trip form. Non-finite numbers are not JSON; they print
    /// as `null`, as `JSON.stringify` does (codec results with them are rejected earlier).
    static func format(_ n: Double) -> String {
        guard n.isFinite else { return "null" }
        if n == n.rounded(), abs(n) < 1e15 {
            if n >= 0, n < 256 { return byteStrings[Int(n)] }
            if n == 0 { return "0" }
            return String(Int64(n))
        }
        return "\(n)"
    }
}

/// "0" … "255", precomputed: payload bytes are most of the numbers codecs exchange.
let byteStrings: [String] = (0...255).map { String($0) }

/// A JSON object: members in insertion order, unique keys, order-insensitive equality.
public struct JSONObject: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// The members in order.
    public private(set) var members: [(String, JSONValue)] = []

    /// An empty object.
    public init() {}

    /// An object with these members, in this order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (k, v) in elements { self[k] = v }
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.0) }
    /// The number of members.
    public var count: Int { members.count }

    /// Gets or sets a member; setting an existing key keeps its position, `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.0 == key })?.1 }
        set {
            if let i = members.firstIndex(where: { $0.0 == key }) {
                if let newValue { members[i].1 = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// Equal when both have the same members, in any order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.members.count == b.members.count else { return false }
        for (k, v) in a.members where b[k] != v { return false }
        return true
    }

    /// Hashes the members independently of their order.
    public func hash(into hasher: inout Hasher) {
        // Order-insensitive: combine per-member hashes commutatively.
        var acc = 0
        for (k, v) in members {
            var h = Hasher()
            h.combine(k)
            h.combine(v)
            acc ^= h.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(acc)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral {
    /// `.number` from an integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// `.number` from a float literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// `.string` from a string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `.bool` from `true` / `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `.array` from an array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// `.null` from `nil`.
    public init(nilLiteral: ()) { self = .null }
}
