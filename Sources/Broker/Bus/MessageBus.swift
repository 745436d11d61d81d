public import MQTT
public import NIOCore

/// The in-process publish/subscribe interface of the broker.
///
/// Other modules (network server, rules engine, store) exchange messages through it without
/// serialising them over a socket. Topic semantics are exactly those of MQTT clients: the same
/// topic tree, wildcards, `$`-topic rule, shared subscriptions and retained messages, and
/// messages published here reach MQTT subscribers (and MQTT publishes reach bus subscribers).
///
/// ```swift
/// let stream = try server.bus.subscribe(filter: "application/+/device/+/event/up")
/// try server.bus.publish(topic: "application/1/device/0102030405060708/event/up",
///                        payload: ByteBuffer(string: "{}"), retain: false, qos: .atLeastOnce)
/// for await message in stream { print(message.topic) }
/// ```
///
/// Delivery to bus subscribers is in-memory and immediate; the QoS is kept on the message for
/// MQTT subscribers, and bus subscribers always receive the message (there is no acknowledgement).
/// Each subscription buffers up to `bufferSize` messages; when a consumer falls that far behind the
/// oldest buffered messages are discarded (counted as `broker_messages_dropped_total{reason="bus_buffer_full"}`).
/// Access control does not apply: the bus is trusted, in-process code.
public struct MessageBus: Sendable {
    let core: BrokerCore

    /// Publishes a message to every matching subscriber (MQTT clients and bus subscribers).
    /// - Throws: ``MQTTError/invalidTopicName(_:)`` when `topic` is not a valid topic name.
    public func publish(topic: String, payload: ByteBuffer, retain: Bool = false, qos: QoS = .atMostOnce,
                        properties: MQTTProperties = .init()) throws(MQTTError) {
        guard TopicName.isValid(topic) else { throw .invalidTopicName(topic) }
        var props = properties
        let expiry = props.messageExpiryInterval
        props.messageExpiryInterval = nil
        props.topicAlias = nil
        props.subscriptionIdentifiers = []
        core.perform { state, now in
            let message = BrokerMessage(topic: topic, payload: payload, qos: qos, retain: retain, properties: props,
                                        expiresAt: expiry.map { now + .seconds(Int64($0)) }, publisherClientID: nil)
            return state.publishFromBus(message, now: now)
        }
    }

    /// One message of a batch published with ``publish(batch:)``.
    public struct Publication: Sendable {
        public var topic: String
        public var payload: ByteBuffer
        public var retain: Bool
        public var qos: QoS
        public init(topic: String, payload: ByteBuffer, retain: Bool = false, qos: QoS = .atMostOnce) {
            self.topic = topic; self.payload = payload; self.retain = retain; self.qos = qos
        }
    }

    /// The most messages routed under one hold of the broker's lock: a large batch is routed in
    /// slices of this size so MQTT clients' own publishes wait at most one slice.
    public static let batchSliceSize = 256

    /// Publishes `batch` in order, as consecutive ``publish(topic:payload:retain:qos:properties:)``
    /// calls would, but with one lock acquisition and one encode-and-write pass per slice of
    /// ``batchSliceSize`` messages instead of per message: the packets a slice produces for one
    /// MQTT connection leave in one buffer, and a waiting bus subscriber is woken once rather
    /// than once per message.
    ///
    /// Every topic is checked before anything is published: an invalid topic publishes nothing.
    /// - Throws: ``MQTTError/invalidTopicName(_:)`` for the first invalid topic.
    public func publish(batch: [Publication]) throws(MQTTError) {
        for p in batch where !TopicName.isValid(p.topic) { throw .invalidTopicName(p.topic) }
        var start = batch.startIndex
        while start < batch.endIndex {
            let end = min(start + Self.batchSliceSize, batch.endIndex)
            core.perform { state, now in
                var effects: [BrokerEffect] = []
                for p in batch[start..<end] {
                    let message = BrokerMessage(topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, publisherClientID: nil)
                    state.publishFromBus(message, now: now, into: &effects)
                }
                return effects
            }
            start = end
        }
    }

    /// Publishes a UTF-8 string payload.
    public func publish(topic: String, string: String, retain: Bool = false, qos: QoS = .atMostOnce) throws(MQTTError) {
        try publish(topic: topic, payload: ByteBuffer(string: string), retain: retain, qos: qos)
    }

    /// Subscribes to a topic filter (`$share/group/filter` shares messages with MQTT clients of
    /// the group). The subscription ends when the stream's consumer stops iterating.
    /// - Parameters:
    ///   - includeRetained: first deliver the retained messages that match (not for shared filters).
    ///   - bufferSize: messages held for a slow consumer before the oldest are dropped.
    /// - Throws: ``MQTTError/invalidTopicFilter(_:)``.
    public func subscribe(filter: String, includeRetained: Bool = true, bufferSize: Int = 10_000) throws(MQTTError) -> AsyncStream<BrokerMessage> {
        let f = try TopicFilter(filter)
        return core.subscribeBus(filter: f, includeRetained: includeRetained, bufferSize: max(1, bufferSize))
    }

    /// Subscribes to a set of topic filters that ``BusSubscription/replace(filters:tag:)`` can
    /// swap atomically; each message arrives once (even when several filters match it), tagged
    /// with the `tag` current when it was routed. No retained messages are delivered.
    ///
    /// An empty set is allowed: the subscription then holds nothing in the topic tree until
    /// filters are set, and publishing costs nothing on its account.
    /// - Parameters:
    ///   - filters: topic filters (duplicates are ignored; `$share/…` is refused).
    ///   - tag: delivered with every message until the next replace.
    ///   - bufferSize: messages held for a slow consumer before the oldest are dropped.
    /// - Throws: ``MQTTError/invalidTopicFilter(_:)`` for an invalid or shared filter.
    public func subscribe<Tag: Sendable>(filters: [String], tag: Tag, bufferSize: Int = 10_000) throws(MQTTError) -> BusSubscription<Tag> {
        let parsed = try BusSubscription<Tag>.parse(filters)
        return BusSubscription(core: core, filters: parsed, tag: tag, bufferSize: max(1, bufferSize))
    }

    /// How many topic filters in-process subscribers currently hold (a ``BusSubscription``
    /// counts each of its filters). MQTT clients' subscriptions are not counted.
    public var subscribedFilterCount: Int { core.busFilterCount }
}
