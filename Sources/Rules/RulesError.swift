/// A position in SQL text: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// A location.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line:column`.
    public var description: String { "\(line):\(column)" }
}

/// Everything that can go wrong in the Rules module. Runtime type mismatches are not errors: AWS
/// semantics turn them into `Undefined`.
public enum RulesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The SQL is malformed at `location`; `message` says what was expected.
    case syntax(location: SourceLocation, message: String)
    /// A JSON text is malformed at byte `offset`.
    case invalidJSON(offset: Int, message: String)
    /// A FROM topic filter breaks MQTT's filter rules (MQTT 3.1.1 §4.7).
    case invalidTopicFilter(filter: String, reason: String)
    /// A `${…}` substitution template is malformed.
    case invalidTemplate(template: String, message: String)
    /// A rule definition is inconsistent (for example, no actions).
    case invalidRule(message: String)

    /// A stable snake_case code for APIs and logs.
    public var code: String {
        switch self {
        case .syntax: "sql_syntax"
        case .invalidJSON: "invalid_json"
        case .invalidTopicFilter: "invalid_topic_filter"
        case .invalidTemplate: "invalid_template"
        case .invalidRule: "invalid_rule"
        }
    }

    /// A one-line human-readable message.
    public var description: String {
        switch self {
        case .syntax(let location, let message): "SQL syntax error at \(location): \(message)"
        case .invalidJSON(let offset, let message): "invalid JSON at byte \(offset): \(message)"
        case .invalidTopicFilter(let filter, let reason): "invalid topic filter '\(filter)': \(reason)"
        case .invalidTemplate(let template, let message): "invalid substitution template '\(template)': \(message)"
        case .invalidRule(let message): "invalid rule: \(message)"
        }
    }
}
