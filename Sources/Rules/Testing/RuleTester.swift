import Foundation

/// The logic behind `lorikeet rules test`: evaluate one SQL statement against one message, and the
/// JSON-lines batch protocol. Pure: the caller supplies the clock reading and does the I/O.
public enum RuleTester {
    /// The result of one test.
    public struct Result: Sendable, Hashable {
        /// Whether the rule fired (topic matched and WHERE true).
        public var fired: Bool
        /// The output when fired.
        public var output: RuleOutput?

        /// The output as JSON text: the JSON, a base64 JSON string for binary output, `null` when not fired.
        public var outputJSON: String {
            switch output {
            case .json(let v): v.jsonText
            case .binary(let b): JSONValue.string(Data(b).base64EncodedString()).jsonText
            case .undefined, nil: "null"
            }
        }
    }

    /// Evaluates `sql` for a message whose published text is `payloadText`.
    /// - Throws: ``RulesError`` for bad SQL.
    public static func test(sql: String, topic: String, payloadText: String, clientID: String? = nil,
                            timestamp: Int64, sqlVersion: String = Rule.defaultSQLVersion,
                            hashing: (any HashProvider)? = nil) throws(RulesError) -> Result {
        let rule = try Rule(sql: sql, sqlVersion: sqlVersion)
        let message = RuleMessage(bytes: Array(payloadText.utf8),
                                  context: MessageContext(topic: topic, clientID: clientID, timestamp: timestamp))
        return result(rule.evaluate(message, hashing: hashing))
    }

    static func result(_ evaluation: RuleEvaluation) -> Result {
        if case .fired(let output) = evaluation { return Result(fired: true, output: output) }
        return Result(fired: false, output: nil)
    }

    /// Answers one batch line.
    ///
    /// Input: `{"id", "sql", "topic", "payload", "payload_raw"?, "context"?: {"clientid"?, "timestamp"?,
    /// "principal"?, "traceid"?}, "sql_version"?}`. `payload_raw`, when present, is the exact published
    /// text and wins over `payload` (so `1.0` stays a Decimal); it may be non-JSON (a binary payload).
    ///
    /// Output: `{"id", "fired", "output"}`, plus `"output_encoding":"base64"` for a binary output and
    /// `"error"` (and `"error_code"`) when the line or its SQL is bad. Never throws: one bad line must
    /// not end a batch.
    public static func answer(line: String, timestamp: Int64, hashing: (any HashProvider)? = nil) -> String {
        var id: JSONValue = .null
        func reply(fired: Bool, output: String, extra: [(String, JSONValue)] = []) -> String {
            var s = "{\"id\":" + id.jsonText + ",\"fired\":" + (fired ? "true" : "false") + ",\"output\":" + output
            for (k, v) in extra { s += "," + JSONValue.string(k).jsonText + ":" + v.jsonText }
            return s + "}"
        }
        func failure(_ message: String, code: String) -> String {
            reply(fired: false, output: "null", extra: [("error", .string(message)), ("error_code", .string(code))])
        }
        let request: JSONValue
        do {
            request = try JSONParser.parse(line)
        } catch {
            return failure(error.description, code: error.code)
        }
        guard case .object(let o) = request else { return failure("a batch line must be a JSON object", code: "invalid_request") }
        id = o["id"] ?? .null
        guard case .string(let sql) = o["sql"] else { return failure("missing string field 'sql'", code: "invalid_request") }
        guard case .string(let topic) = o["topic"] else { return failure("missing string field 'topic'", code: "invalid_request") }
        var context = MessageContext(topic: topic, timestamp: timestamp)
        if let c = o["context"] {
            guard case .object(let co) = c else { return failure("'context' must be an object", code: "invalid_request") }
            if case .string(let s) = co["clientid"] { context.clientID = s }
            if case .int(let t) = co["timestamp"] { context.timestamp = t }
            if case .string(let s) = co["principal"] { context.principal = s }
            if case .string(let s) = co["traceid"] { context.traceID = s }
        }
        var sqlVersion = Rule.defaultSQLVersion
        if case .string(let v) = o["sql_version"] { sqlVersion = v }
        let message: RuleMessage
        switch (o["payload_raw"], o["payload"]) {
        case (.string(let raw)?, _):
            message = RuleMessage(bytes: Array(raw.utf8), context: context)
        case (.some(.null), let p?), (nil, let p?):
            message = RuleMessage(payload: .json(p), context: context)
            return evaluate(sql: sql, sqlVersion: sqlVersion, message: withRaw(message, p), hashing: hashing,
                            reply: reply, failure: failure)
        case (.some(let other), _) where other != .null:
            return failure("'payload_raw' must be a string", code: "invalid_request")
        default:
            return failure("missing field 'payload' or 'payload_raw'", code: "invalid_request")
        }
        return evaluate(sql: sql, sqlVersion: sqlVersion, message: message, hashing: hashing, reply: reply, failure: failure)
    }

    static func withRaw(_ message: RuleMessage, _ payload: JSONValue) -> RuleMessage {
        var m = message
        m.rawBytes = Array(payload.jsonText.utf8)
        return m
    }

    static func evaluate(sql: String, sqlVersion: String, message: RuleMessage, hashing: (any HashProvider)?,
                         reply: (Bool, String, [(String, JSONValue)]) -> String,
                         failure: (String, String) -> String) -> String {
        let rule: Rule
        do {
            rule = try Rule(sql: sql, sqlVersion: sqlVersion)
        } catch {
            return failure(error.description, error.code)
        }
        let r = result(rule.evaluate(message, hashing: hashing))
        if case .binary = r.output {
            return reply(r.fired, r.outputJSON, [("output_encoding", .string("base64"))])
        }
        return reply(r.fired, r.outputJSON, [])
    }
}
