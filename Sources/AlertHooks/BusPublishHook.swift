public import Events

/// The in-process publish side of the MQTT broker, as the events module needs it.
///
/// The broker provides the implementation (its in-process bus); tests use a recording double.
public protocol AlertBus: Sendable {
    /// Publishes `payload` on `topic`; throws when the broker refuses or is not running.
    func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool) async throws
}

/// A hook that publishes each alert transition on the broker, at QoS 1, on
/// `<prefix>/<detector id>/<device>/<transition>` (default prefix `lorikeet/alerts`).
/// The payload is the same JSON as the webhook body, which carries the idempotency key.
public struct BusPublishHook: AlertHook {
    public let id: String
    public let topicPrefix: String
    private let bus: any AlertBus

    public init(id: String = "mqtt", bus: any AlertBus, topicPrefix: String = "lorikeet/alerts") {
        self.id = id
        self.bus = bus
        self.topicPrefix = topicPrefix
    }

    /// The topic for a request; detector ids cannot contain MQTT wildcards, and `+`, `#` and `/`
    /// in device ids are replaced with `_` so that a device id never changes the topic's shape.
    public func topic(for request: HookRequest, detectorID: String, device: String) -> String {
        func clean(_ s: String) -> String { String(s.map { $0 == "+" || $0 == "#" || $0 == "/" ? "_" : $0 }) }
        return "\(topicPrefix)/\(clean(detectorID))/\(clean(device))/\(request.transition.rawValue)"
    }

    public func deliver(_ request: HookRequest) async -> DeliveryOutcome {
        // The alert id is "<detector>:<device>:<firedAt>"; device ids may contain ':' themselves.
        let parts = request.alertID.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return .permanent("alert id '\(request.alertID)' is not detector:device:time") }
        let detector = String(parts[0])
        let device = parts[1..<(parts.count - 1)].joined(separator: ":")
        do {
            try await bus.publish(topic: topic(for: request, detectorID: detector, device: device),
                                  payload: Array(request.body), qos: 1, retain: false)
            return .delivered
        } catch {
            return .retryable("publish: \(error)")
        }
    }
}
