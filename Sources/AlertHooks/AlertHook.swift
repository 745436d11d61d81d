public import Events
public import Foundation

/// One delivery attempt handed to a hook: the same key and body on every attempt.
public struct HookRequest: Sendable, Equatable {
    /// `<alert id>/<transition>`: receivers use it to drop repeats.
    public var idempotencyKey: String
    public var alertID: String
    public var transition: AlertTransitionKind
    /// The JSON body (an `AlertTransition`), byte for byte what was stored in the outbox.
    public var body: Data
    /// 1 for the first attempt.
    public var attempt: Int

    public init(idempotencyKey: String, alertID: String, transition: AlertTransitionKind, body: Data, attempt: Int) {
        self.idempotencyKey = idempotencyKey
        self.alertID = alertID
        self.transition = transition
        self.body = body
        self.attempt = attempt
    }

    init(_ entry: OutboxEntry) {
        self.init(idempotencyKey: entry.idempotencyKey, alertID: entry.alertID, transition: entry.transition,
                  body: Data(entry.body.utf8), attempt: entry.attempts + 1)
    }
}

/// Something that tells the outside world about alert transitions: an HTTP webhook, an MQTT publish.
///
/// A hook makes one attempt and reports the outcome; retries, backoff and durability belong to the
/// `HookDispatcher` and the outbox. Implementations must be safe to call again with the same request
/// (at-least-once delivery): the idempotency key lets the receiving side deduplicate.
public protocol AlertHook: Sendable {
    /// A stable id, stored with each outbox entry (`webhook`, `ops-mqtt`). Changing it orphans
    /// the pending entries of the old id.
    var id: String { get }

    /// Makes one delivery attempt. Never throws: failures are outcomes (`retryable`, `permanent`).
    func deliver(_ request: HookRequest) async -> DeliveryOutcome
}
