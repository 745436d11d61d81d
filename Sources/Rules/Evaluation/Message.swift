/// A message's payload as the rules engine sees it.
///
/// AWS developer guide, "Working with binary payloads": a payload that is not JSON is available only
/// as raw bytes — through `SELECT *` or `encode(*, 'base64')`; every name in the SQL is Undefined.
public enum Payload: Sendable, Hashable {
    /// A JSON payload.
    case json(JSONValue)
    /// A payload that is not JSON.
    case binary([UInt8])

    /// Parses bytes as JSON, falling back to binary when they are not a JSON text.
    public init(bytes: [UInt8]) {
        if let value = try? JSONParser.parse(bytes: bytes) { self = .json(value) } else { self = .binary(bytes) }
    }

    /// Parses text as JSON, falling back to binary (its UTF-8 bytes).
    public init(text: String) { self.init(bytes: Array(text.utf8)) }
}

/// Everything a rule can see about one message besides its payload: the functions `topic()`,
/// `clientid()`, `timestamp()`, `principal()`, `traceid()` and `accountid()` read it.
public struct MessageContext: Sendable, Hashable {
    /// The topic the message was published on.
    public var topic: String
    /// The publishing client's id; `clientid()` returns "n/a" when nil (AWS: "not sent over MQTT").
    public var clientID: String?
    /// Receive time in milliseconds since the Unix epoch (injected: the module never reads a clock).
    public var timestamp: Int64
    /// The authenticated principal, if any.
    public var principal: String?
    /// A trace id, if any.
    public var traceID: String?
    /// The owning account or tenant id, if any.
    public var accountID: String?

    /// A context.
    public init(topic: String, clientID: String? = nil, timestamp: Int64 = 0, principal: String? = nil,
                traceID: String? = nil, accountID: String? = nil) {
        self.topic = topic
        self.clientID = clientID
        self.timestamp = timestamp
        self.principal = principal
        self.traceID = traceID
        self.accountID = accountID
    }
}

/// A message to evaluate: payload plus context, and the raw bytes when known (for `encode(*, …)`).
public struct RuleMessage: Sendable {
    /// The payload.
    public var payload: Payload
    /// The context.
    public var context: MessageContext
    /// The exact bytes published, when known; `encode(*, 'base64')` uses them.
    public var rawBytes: [UInt8]?

    /// A message from its published bytes (JSON when they parse as JSON, else binary).
    public init(bytes: [UInt8], context: MessageContext) {
        self.payload = Payload(bytes: bytes)
        self.context = context
        self.rawBytes = bytes
    }

    /// A message from an already-parsed payload (in-process publishers skip serialising).
    public init(payload: Payload, context: MessageContext) {
        self.payload = payload
        self.context = context
        if case .binary(let b) = payload { rawBytes = b } else { rawBytes = nil }
    }
}

/// What a rule produced for a message.
public enum RuleOutput: Sendable, Hashable {
    /// A JSON result (usually an object).
    case json(JSONValue)
    /// The raw payload (`SELECT *` over a binary payload).
    case binary([UInt8])
    /// `SELECT VALUE x` where `x` was Undefined (AWS serialises this as an empty string).
    case undefined
}

/// The outcome of evaluating a rule against a message.
public enum RuleEvaluation: Sendable, Hashable {
    /// The topic does not match the rule's FROM filter.
    case topicMismatch
    /// The topic matched but the WHERE condition was not true (false, Undefined or not a Boolean).
    case conditionFalse
    /// The rule fired with this output.
    case fired(RuleOutput)

    /// Whether the rule fired.
    public var fired: Bool {
        if case .fired = self { return true }
        return false
    }
}
