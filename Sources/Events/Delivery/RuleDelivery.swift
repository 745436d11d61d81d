/// One HTTP request a rule's `webhook` action asked for: the rule-webhook outbox row as a state
/// machine (the same retry rules as an alert hook delivery, ``OutboxEntry``).
///
/// The request is frozen when the rule fires — method, URL, headers and body are stored — so every
/// attempt, before and after a restart, sends the same bytes with the same signature and the same
/// `Idempotency-Key`. The key is `<rule>/<action index>/<message time ms>/<sequence>`, unique per
/// fired action; a receiver that remembers keys acts on each exactly once.
public struct RuleDelivery: Equatable, Sendable {
    /// Unique per fired webhook action; sent as `Idempotency-Key`.
    public var idempotencyKey: String
    /// The rule that fired.
    public var rule: String
    /// `POST` or `PUT`.
    public var method: String
    public var url: String
    /// Extra headers from the action (templates already substituted), in order.
    public var headers: [[String]]
    /// The exact body (the rule output).
    public var body: [UInt8]
    public var state: DeliveryState
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var createdAt: Int64
    public var deliveredAt: Int64?

    public init(idempotencyKey: String, rule: String, method: String, url: String, headers: [[String]], body: [UInt8],
                state: DeliveryState = .pending, attempts: Int = 0, nextAttemptAt: Int64, lastError: String? = nil,
                createdAt: Int64, deliveredAt: Int64? = nil) {
        self.idempotencyKey = idempotencyKey
        self.rule = rule
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }

    /// Records an attempt's outcome with the alert outbox's rules (``OutboxEntry/record(_:at:policy:random:)``):
    /// delivered for good, failed for good, or pending again after the policy's backoff.
    public mutating func record(_ outcome: DeliveryOutcome, at now: Int64, policy: RetryPolicy, random: Double) {
        var entry = OutboxEntry(idempotencyKey: idempotencyKey, hookID: "", alertID: "", transition: .fired, body: "",
                                state: state, attempts: attempts, nextAttemptAt: nextAttemptAt, lastError: lastError,
                                createdAt: createdAt, deliveredAt: deliveredAt)
        entry.record(outcome, at: now, policy: policy, random: random)
        state = entry.state
        attempts = entry.attempts
        nextAttemptAt = entry.nextAttemptAt
        lastError = entry.lastError
        deliveredAt = entry.deliveredAt
    }
}
