/// Where an alert is in its lifecycle: firing → acknowledged → resolved (acknowledging is optional).
public enum AlertState: String, Codable, Sendable {
    case firing, acknowledged, resolved
}

/// An alert: one occurrence of a detector's condition for one device, from firing to resolved.
///
/// Its `id` is `<detectorID>:<device>:<firedAt>` (epoch milliseconds): deterministic, so replaying
/// the same input after a crash produces the same alert ids and the same idempotency keys.
public struct Alert: Codable, Equatable, Sendable {
    public var id: String
    public var detectorID: String
    public var detectorType: String
    public var device: String
    public var severity: Severity
    public var state: AlertState
    /// The latest firing message (re-firing while open replaces it).
    public var message: String
    /// The latest triggering value.
    public var value: Double?
    public var firedAt: Int64
    /// When the alert last fired or changed state.
    public var updatedAt: Int64
    /// How many times the condition fired while this alert was open (1 for a fresh alert).
    public var fireCount: Int
    public var acknowledgedAt: Int64?
    public var acknowledgedBy: String?
    public var resolvedAt: Int64?
    public var resolveMessage: String?

    public init(id: String, detectorID: String, detectorType: String, device: String, severity: Severity,
                state: AlertState, message: String, value: Double?, firedAt: Int64, updatedAt: Int64, fireCount: Int,
                acknowledgedAt: Int64? = nil, acknowledgedBy: String? = nil, resolvedAt: Int64? = nil, resolveMessage: String? = nil) {
        self.id = id
        self.detectorID = detectorID
        self.detectorType = detectorType
        self.device = device
        self.severity = severity
        self.state = state
        self.message = message
        self.value = value
        self.firedAt = firedAt
        self.updatedAt = updatedAt
        self.fireCount = fireCount
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.resolvedAt = resolvedAt
        self.resolveMessage = resolveMessage
    }

    /// The deduplication key: one open alert per detector and device.
    public var key: AlertKey { AlertKey(detectorID: detectorID, device: device) }

    /// Whether the alert is still open (firing or acknowledged).
    public var isOpen: Bool { state != .resolved }
}

/// One open alert per (detector, device).
public struct AlertKey: Hashable, Sendable {
    public var detectorID: String
    public var device: String

    public init(detectorID: String, device: String) {
        self.detectorID = detectorID
        self.device = device
    }
}

/// What happened to an alert.
public enum AlertTransitionKind: String, Codable, Sendable {
    /// A new alert opened.
    case fired
    /// The open alert's condition fired again (new message, value, count); hooks are not called.
    case updated
    case acknowledged
    case resolved

    /// Whether hooks hear about this transition.
    public var notifiesHooks: Bool { self != .updated }
}

/// An alert after a transition, as stored, printed and sent to hooks.
///
/// JSON (also the webhook body): `{"idempotencyKey": "<alert id>/<transition>", "transition": "fired",
/// "alert": {…}}`.
public struct AlertTransition: Codable, Equatable, Sendable {
    public var idempotencyKey: String
    public var transition: AlertTransitionKind
    public var alert: Alert

    public init(_ transition: AlertTransitionKind, _ alert: Alert) {
        self.transition = transition
        self.alert = alert
        self.idempotencyKey = "\(alert.id)/\(transition.rawValue)"
    }
}
