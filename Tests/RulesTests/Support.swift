import Testing
@testable import Rules

/// Evaluates `expression` as `SELECT VALUE expression FROM 't'` against `payload`; returns the JSON
/// text of the value, or "Undefined".
func value(_ expression: String, payload: String = "{}", topic: String = "t") throws -> String {
    let rule = try Rule(sql: "SELECT VALUE \(expression) FROM '#'")
    let message = RuleMessage(bytes: Array(payload.utf8), context: MessageContext(topic: topic, clientID: "c1", timestamp: 1_481_825_251_155))
    switch rule.evaluate(message) {
    case .fired(.json(let v)): return v.jsonText
    case .fired(.undefined): return "Undefined"
    case .fired(.binary(let b)): return "binary(\(b.count))"
    case .topicMismatch, .conditionFalse: return "not fired"
    }
}

/// Runs a whole statement; returns the output JSON text or "null" when it does not fire.
func run(_ sql: String, topic: String, payload: String, clientID: String? = nil) throws -> String {
    try RuleTester.test(sql: sql, topic: topic, payloadText: payload, clientID: clientID, timestamp: 1_481_825_251_155).outputJSON
}

/// The syntax error location and message for `sql`.
func syntaxError(_ sql: String) -> (Rules.SourceLocation, String)? {
    do {
        _ = try Rule(sql: sql)
        return nil
    } catch {
        if case .syntax(let location, let message) = error { return (location, message) }
        return nil
    }
}
