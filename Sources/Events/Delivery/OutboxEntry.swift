import Foundation

/// The exponential backoff with jitter between delivery attempts.
///
/// The delay after attempt n (1-based) is `min(maxDelay, base × multiplier^(n−1))`, scaled by a
/// factor drawn uniformly from `[1 − jitter, 1 + jitter]` so that many alerts that failed together
/// do not retry in lockstep. After `maxAttempts` failed attempts the entry is given up (`failed`).
public struct RetryPolicy: Codable, Equatable, Sendable {
    public var baseDelayMillis: Int64
    public var maxDelayMillis: Int64
    public var multiplier: Double
    public var jitter: Double
    public var maxAttempts: Int

    public init(baseDelayMillis: Int64 = 1_000, maxDelayMillis: Int64 = 300_000, multiplier: Double = 2,
                jitter: Double = 0.2, maxAttempts: Int = 20) {
        self.baseDelayMillis = baseDelayMillis
        self.maxDelayMillis = maxDelayMillis
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxAttempts = maxAttempts
    }

    /// The delay before the next attempt after `attempt` failed ones.
    /// - Parameter random: a uniform value in [0, 1) from the caller's random source (injected so
    ///   that tests are deterministic).
    public func delay(afterAttempt attempt: Int, random: Double) -> Int64 {
        let exponent = Double(max(attempt - 1, 0))
        let base = Double(max(baseDelayMillis, 0))
        let growth = multiplier.isFinite ? pow(max(multiplier, 1), min(exponent, 64)) : Double.infinity
        let raw = base == 0 ? 0 : base * growth
        // Never more than a day, whatever the configuration, so the sum with a time cannot overflow.
        let cap = min(Double(max(maxDelayMillis, 0)), 86_400_000)
        let capped = raw.isFinite ? min(raw, cap) : cap
        let j = jitter.isFinite ? min(max(jitter, 0), 1) : 0
        let r = random.isFinite ? min(max(random, 0), 1) : 0.5
        return Int64((capped * (1 - j + 2 * j * r)).rounded())
    }
}

/// The state of one hook delivery in the outbox.
public enum DeliveryState: String, Codable, Sendable {
    /// Not delivered yet; tried again at `nextAttemptAt`.
    case pending
    /// The receiver accepted it; never sent again.
    case delivered
    /// Given up: a permanent error (e.g. HTTP 400) or `maxAttempts` reached.
    case failed
}

/// What one delivery attempt came to.
public enum DeliveryOutcome: Equatable, Sendable {
    case delivered
    /// Worth retrying: connection refused, timeout, HTTP 408/429/5xx.
    case retryable(String)
    /// Not worth retrying: other HTTP 4xx, no such hook.
    case permanent(String)
}

/// One delivery of one alert transition to one hook: the outbox row as a state machine.
///
/// The idempotency key (`<alert id>/<transition>`) plus the hook id identify the entry: enqueuing
/// it twice is a no-op, and every attempt sends the same key and the same body, so a receiver that
/// remembers keys sees each alert transition exactly once even when a crash repeats an attempt.
public struct OutboxEntry: Equatable, Sendable {
    public var idempotencyKey: String
    public var hookID: String
    public var alertID: String
    public var transition: AlertTransitionKind
    /// The exact body sent on every attempt (JSON of `AlertTransition`).
    public var body: String
    public var state: DeliveryState
    public var attempts: Int
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var createdAt: Int64
    public var deliveredAt: Int64?

    public init(idempotencyKey: String, hookID: String, alertID: String, transition: AlertTransitionKind, body: String,
                state: DeliveryState = .pending, attempts: Int = 0, nextAttemptAt: Int64, lastError: String? = nil,
                createdAt: Int64, deliveredAt: Int64? = nil) {
        self.idempotencyKey = idempotencyKey
        self.hookID = hookID
        self.alertID = alertID
        self.transition = transition
        self.body = body
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }

    /// Whether the entry should be attempted at `now`.
    public func isDue(at now: Int64) -> Bool { state == .pending && nextAttemptAt <= now }

    /// Records an attempt's outcome. Outcomes for entries that are no longer pending are ignored
    /// (a late answer cannot undo `delivered` or revive `failed`).
    public mutating func record(_ outcome: DeliveryOutcome, at now: Int64, policy: RetryPolicy, random: Double) {
        guard state == .pending else { return }
        attempts &+= 1
        switch outcome {
        case .delivered:
            state = .delivered
            deliveredAt = now
            lastError = nil
        case let .permanent(reason):
            state = .failed
            lastError = reason
        case let .retryable(reason):
            lastError = reason
            if attempts >= policy.maxAttempts {
                state = .failed
            } else {
                nextAttemptAt = now + policy.delay(afterAttempt: attempts, random: random)
            }
        }
    }
}
