import Foundation

/// A rule as the server persists it (Codable, JSON keys as below), in the shape of AWS's
/// `TopicRulePayload`: SQL, SQL version, enabled flag, actions, and an error action.
///
/// ```json
/// {"name": "freezer_warm", "sql": "SELECT temp FROM 'application/+/device/+/event/up' WHERE temp > -15",
///  "actions": [{"alert": {"name": "freezer_warm", "severity": "critical"}}],
///  "errorAction": {"republish": {"topic": "rules/errors"}}}
/// ```
public struct RuleDefinition: Sendable, Hashable, Codable {
    /// Unique name: letters, digits and underscores (AWS's rule-name pattern), 1…128 characters.
    public var name: String
    /// Free text.
    public var description: String?
    /// The rule SQL.
    public var sql: String
    /// `2015-10-08`, `2016-03-23` (default) or `beta`.
    public var sqlVersion: String
    /// Disabled rules are kept but not evaluated (AWS `ruleDisabled`, inverted).
    public var enabled: Bool
    /// What to do when the rule fires, in order.
    public var actions: [RuleAction]
    /// Run when an action fails, with ``errorPayload(message:failures:)`` as its output.
    public var errorAction: RuleAction?

    /// A definition.
    public init(name: String, description: String? = nil, sql: String, sqlVersion: String = Rule.defaultSQLVersion,
                enabled: Bool = true, actions: [RuleAction], errorAction: RuleAction? = nil) {
        self.name = name; self.description = description; self.sql = sql; self.sqlVersion = sqlVersion
        self.enabled = enabled; self.actions = actions; self.errorAction = errorAction
    }

    enum CodingKeys: String, CodingKey { case name, description, sql, sqlVersion, enabled, actions, errorAction }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        sql = try c.decode(String.self, forKey: .sql)
        sqlVersion = try c.decodeIfPresent(String.self, forKey: .sqlVersion) ?? Rule.defaultSQLVersion
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        actions = try c.decodeIfPresent([RuleAction].self, forKey: .actions) ?? []
        errorAction = try c.decodeIfPresent(RuleAction.self, forKey: .errorAction)
    }

    /// Validates the definition and compiles its SQL.
    /// - Throws: ``RulesError`` (syntax errors keep their position).
    public func compile() throws(RulesError) -> Rule {
        guard (1...128).contains(name.count), name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
            throw .invalidRule(message: "name must be 1…128 letters, digits or underscores")
        }
        guard ["2015-10-08", "2016-03-23", "beta"].contains(sqlVersion) else {
            throw .invalidRule(message: "sqlVersion must be 2015-10-08, 2016-03-23 or beta")
        }
        for a in actions { try a.validate() }
        try errorAction?.validate()
        return try Rule(sql: sql, sqlVersion: sqlVersion)
    }

    /// The message given to the error action (AWS's error-action payload shape).
    public func errorPayload(message: RuleMessage, failures: [(action: String, error: String)]) -> JSONValue {
        var o = JSONObject()
        o["ruleName"] = .string(name)
        o["topic"] = .string(message.context.topic)
        if let c = message.context.clientID { o["clientId"] = .string(c) }
        let raw = message.rawBytes ?? RuleOutput.json(payloadJSON(message)).bytes
        o["base64OriginalPayload"] = .string(Data(raw).base64EncodedString())
        o["failures"] = .array(failures.map { f in
            var fo = JSONObject()
            fo["failedAction"] = .string(f.action)
            fo["errorMessage"] = .string(f.error)
            return .object(fo)
        })
        return .object(o)
    }

    func payloadJSON(_ message: RuleMessage) -> JSONValue {
        if case .json(let v) = message.payload { return v }
        return .null
    }
}
