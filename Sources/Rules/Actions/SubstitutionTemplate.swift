/// A string with `${expression}` parts, as in AWS IoT rule actions (developer guide, "Substitution
/// templates"): `"${topic()}/republish"`, `"alerts/${topic(3)}"`.
///
/// Expressions are evaluated against the original message (not the SELECT output, so aliases are
/// not visible — as in AWS). Each value is converted with the standard to-string conversion;
/// Undefined and Null become the empty string. `$` not followed by `{` is literal.
public struct SubstitutionTemplate: Sendable, Hashable, Codable, CustomStringConvertible {
    enum Part: Sendable {
        case text(String)
        case expression(SQLExpression)
    }

    /// The template text.
    public let text: String
    let parts: [Part]

    /// Parses a template.
    /// - Throws: ``RulesError/invalidTemplate(template:message:)`` for an unterminated `${` or an
    ///   expression that does not parse.
    public init(_ text: String) throws(RulesError) {
        self.text = text
        var parts: [Part] = []
        var literal = ""
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                // Find the matching '}' outside string literals.
                var depth = 1
                var j = i + 2
                var quote: Character?
                while j < chars.count {
                    let c = chars[j]
                    if let q = quote {
                        if c == "\\" { j += 1 } else if c == q { quote = nil }
                    } else if c == "'" || c == "\"" {
                        quote = c
                    } else if c == "{" {
                        depth += 1
                    } else if c == "}" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    j += 1
                }
                guard j < chars.count, depth == 0 else {
                    throw .invalidTemplate(template: text, message: "unterminated '${' at character \(i + 1)")
                }
                let source = String(chars[(i + 2)..<j])
                if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                do {
                    parts.append(.expression(try SQLExpression(source)))
                } catch {
                    throw .invalidTemplate(template: text, message: "in '${\(source)}': \(error.description)")
                }
                i = j + 1
            } else {
                literal.append(chars[i])
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        self.parts = parts
    }

    /// Whether the template has any `${…}` part.
    public var hasSubstitutions: Bool {
        parts.contains { if case .expression = $0 { return true } else { return false } }
    }

    /// The substituted string.
    public func render(_ message: RuleMessage, sqlVersion: String = Rule.defaultSQLVersion,
                       hashing: (any HashProvider)? = nil) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .expression(let e): out += Convert.string(e.evaluate(message, sqlVersion: sqlVersion, hashing: hashing)) ?? ""
            }
        }
        return out
    }

    public var description: String { text }
    public static func == (lhs: SubstitutionTemplate, rhs: SubstitutionTemplate) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
