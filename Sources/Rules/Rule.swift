/// A compiled rule: SQL parsed once, evaluated per message.
///
/// ```swift
/// let rule = try Rule(sql: "SELECT color AS rgb FROM 'a/b' WHERE temperature > 50")
/// let message = RuleMessage(bytes: Array(#"{"color":"red","temperature":100}"#.utf8),
///                           context: MessageContext(topic: "a/b"))
/// rule.evaluate(message)  // .fired(.json({"rgb":"red"}))  (AWS IoT SQL reference, introduction)
/// ```
public struct Rule: Sendable {
    /// The SQL text.
    public let sql: String
    /// The SQL version reported by `sql_version()`.
    public let sqlVersion: String
    let statement: Statement

    /// The FROM clause's topic filter.
    public var topicFilter: TopicFilter { statement.topicFilter }

    /// The default SQL version (AWS's current one).
    public static let defaultSQLVersion = "2016-03-23"

    /// Parses and checks `sql`.
    /// - Throws: ``RulesError/syntax(location:message:)`` saying where and what was expected.
    public init(sql: String, sqlVersion: String = Rule.defaultSQLVersion) throws(RulesError) {
        self.sql = sql
        self.sqlVersion = sqlVersion
        self.statement = try Parser.parseStatement(sql)
    }

    /// Evaluates the rule: topic filter, then WHERE, then SELECT.
    /// - Parameter hashing: computes `md5()`, `sha256()`, …; without it those functions are Undefined
    ///   (this module is Foundation-only; `RulesHashing.OpenSSLHashProvider` is the usual one).
    public func evaluate(_ message: RuleMessage, hashing: (any HashProvider)? = nil) -> RuleEvaluation {
        guard statement.topicFilter.matches(message.context.topic) else { return .topicMismatch }
        let evaluator = Evaluator(message: message, sqlVersion: sqlVersion, hashing: hashing)
        let root = evaluator.root
        if let condition = statement.query.condition {
            guard Convert.bool(evaluator.evaluate(condition, root)) == true else { return .conditionFalse }
        }
        var binary: [UInt8]?
        if case .binary(let b) = message.payload { binary = b }
        return .fired(evaluator.select(statement.query, document: root, binary: binary))
    }
}

/// Evaluates a single expression (no SELECT/FROM) against a message; used by templates and tests.
public struct SQLExpression: Sendable {
    let expression: Expression
    /// The source text.
    public let text: String

    /// Parses an expression.
    /// - Throws: ``RulesError/syntax(location:message:)``.
    public init(_ text: String) throws(RulesError) {
        self.text = text
        self.expression = try Parser.parseExpression(text)
    }

    /// The value, or `nil` for Undefined.
    public func evaluate(_ message: RuleMessage, sqlVersion: String = Rule.defaultSQLVersion,
                         hashing: (any HashProvider)? = nil) -> JSONValue? {
        let evaluator = Evaluator(message: message, sqlVersion: sqlVersion, hashing: hashing)
        return evaluator.evaluate(expression, evaluator.root)
    }
}
