import Foundation
import TextPrimitives

extension JSONValue {
    /// Compact JSON text, the way AWS serialises a rule's output.
    ///
    /// - Ints print as integers (`10`); Decimals print their source text when they came from the
    ///   payload or the SQL (`1.50` stays `1.50`) and otherwise in plain notation with at least one
    ///   fractional digit (`2.5`, `3.0`). See docs/rules.md, "Numbers".
    /// - Strings escape `"`, `\` and control characters; other characters are written as UTF-8.
    /// - Object members keep their order.
    public var jsonText: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Appends the compact JSON text to `out`.
    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .decimal(let d): out += d.jsonText
        case .string(let s): JSONEscaping.appendQuoted(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, m) in object.members.enumerated() {
                if i > 0 { out += "," }
                JSONEscaping.appendQuoted(m.key, to: &out)
                out += ":"
                m.value.write(to: &out)
            }
            out += "}"
        }
    }
}
