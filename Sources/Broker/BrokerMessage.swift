public import MQTT
public import NIOCore

/// An application message as the broker routes it: topic, payload, QoS, retain flag and the
/// MQTT 5.0 properties that travel with it (payload format, content type, response topic,
/// correlation data, user properties). Message expiry is held as an absolute broker time.
public struct BrokerMessage: Sendable, Hashable {
    public var topic: String
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    /// Forwarded properties (no topic alias or subscription identifiers: those are per hop).
    public var properties: MQTTProperties
    /// Broker time after which the message is discarded undelivered (5.0 Message Expiry Interval).
    public var expiresAt: Duration?
    /// The client that published it (for no-local), or `nil` for the in-process bus.
    public var publisherClientID: String?

    public init(topic: String, payload: ByteBuffer, qos: QoS = .atMostOnce, retain: Bool = false,
                properties: MQTTProperties = .init(), expiresAt: Duration? = nil, publisherClientID: String? = nil) {
        self.topic = topic; self.payload = payload; self.qos = qos; self.retain = retain
        self.properties = properties; self.expiresAt = expiresAt; self.publisherClientID = publisherClientID
    }

    /// Builds a routed message from a PUBLISH (topic alias already resolved).
    init(publish p: PublishPacket, topic: String, clientID: String?, now: Duration) {
        var props = p.properties
        props.topicAlias = nil
        props.subscriptionIdentifiers = []
        let expiry = props.messageExpiryInterval.map { now + .seconds(Int64($0)) }
        props.messageExpiryInterval = nil
        self.init(topic: topic, payload: p.payload, qos: p.qos, retain: p.retain, properties: props,
                  expiresAt: expiry, publisherClientID: clientID)
    }

    func isExpired(at now: Duration) -> Bool {
        guard let e = expiresAt else { return false }
        return now >= e
    }

    /// The PUBLISH to send a subscriber.
    ///
    /// - Parameters:
    ///   - qos: the delivered QoS (minimum of published and granted).
    ///   - retainFlag: the RETAIN flag to set.
    ///   - subscriptionIdentifiers: 5.0 identifiers of the matching subscriptions.
    ///   - now: to compute the remaining Message Expiry Interval (MQTT 5.0 §3.3.2.3.3).
    func publishPacket(qos: QoS, retainFlag: Bool, packetIdentifier: UInt16?, subscriptionIdentifiers: [UInt32],
                       now: Duration) -> PublishPacket {
        var props = properties
        props.subscriptionIdentifiers = subscriptionIdentifiers
        if let e = expiresAt {
            let remaining = e - now
            let seconds = max(0, remaining.components.seconds)
            props.messageExpiryInterval = UInt32(clamping: seconds)
        }
        return PublishPacket(topic: topic, payload: payload, qos: qos, retain: retainFlag, dup: false,
                             packetIdentifier: packetIdentifier, properties: props)
    }
}
