public import MQTT

/// An in-process subscription to a set of topic filters that can be replaced atomically, whose
/// messages arrive tagged with the value that was current when each was routed.
///
/// It is one subscriber however many filters it holds: a message that matches several of its
/// filters (`application/+/device/+/event/up` and `application/#`) is delivered once, and all
/// messages arrive through one stream in the order they were routed. ``replace(filters:tag:)``
/// swaps the filters and the tag under the broker's lock, so every message routed before the
/// call is matched against the old filters and carries the old tag, and every message routed
/// after it the new ones; a message that matches a filter in both sets is neither lost nor
/// delivered twice across the swap. With no filters it holds nothing in the topic tree and costs
/// publishers nothing.
///
/// ```swift
/// let sub = try bus.subscribe(filters: ["sensors/+/temp"], tag: 1)
/// try sub.replace(filters: ["sensors/+/temp", "sensors/+/hum"], tag: 2)
/// for await d in sub.deliveries { print(d.message.topic, d.tag) }
/// ```
///
/// Retained messages are not delivered, and shared filters (`$share/…`) are refused: a set of
/// filters cannot be one member of a share group. The subscription ends with ``cancel()``, when
/// the consumer stops iterating ``deliveries``, or when the broker shuts down.
public final class BusSubscription<Tag: Sendable>: Sendable {
    /// One message and the tag that was current when it was routed.
    public struct Delivery: Sendable {
        public let message: BrokerMessage
        public let tag: Tag
    }

    /// The messages, in routing order. Holds up to the `bufferSize` given at subscription; when
    /// the consumer falls further behind, the oldest are dropped (counted as
    /// `broker_messages_dropped_total{reason="bus_buffer_full"}`).
    public let deliveries: AsyncStream<Delivery>
    let receiver: TaggedReceiver<Tag>
    let core: BrokerCore

    init(core: BrokerCore, filters: Set<TopicFilter>, tag: Tag, bufferSize: Int) {
        let (stream, continuation) = AsyncStream<Delivery>.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
        deliveries = stream
        self.core = core
        receiver = TaggedReceiver(continuation: continuation, tag: tag)
        core.attach(receiver, filters: filters)
        continuation.onTermination = { [core, receiver] _ in core.detach(receiver) }
    }

    /// Replaces the filters and the tag at once.
    ///
    /// Messages routed before the call were matched against the previous filters (some may still
    /// be waiting in ``deliveries``, with the previous tag); messages routed after it are matched
    /// against `filters` and carry `tag`. Does nothing to the tree for filters in both sets.
    /// - Throws: ``MQTTError/invalidTopicFilter(_:)`` for an invalid or shared filter (nothing changes).
    public func replace(filters: [String], tag: Tag) throws(MQTTError) {
        let parsed = try Self.parse(filters)
        core.replace(receiver, filters: parsed, tag: tag)
    }

    /// The filters currently held (sorted).
    public var filters: [String] {
        core.filters(of: receiver).map(\.filter).sorted()
    }

    /// Ends the subscription: its filters leave the topic tree and ``deliveries`` finishes after
    /// the messages already buffered.
    public func cancel() {
        core.detach(receiver)
        receiver.continuation.finish()
    }

    static func parse(_ filters: [String]) throws(MQTTError) -> Set<TopicFilter> {
        var out = Set<TopicFilter>()
        for raw in filters {
            let f = try TopicFilter(raw)
            guard f.shareGroup == nil else { throw .invalidTopicFilter(raw) }
            out.insert(f)
        }
        return out
    }
}

/// What ``BrokerCore`` delivers to for a bus subscriber that is not a plain stream.
protocol BusReceiver: AnyObject, Sendable {
    /// The subscriber's identifier in the topic tree.
    var id: UInt64 { get set }
    /// Called with the core's lock held. Returns whether the message was buffered (not dropped).
    func receive(_ message: BrokerMessage) -> Bool
    /// Called with the core's lock held: the filters it subscribes to.
    var filters: Set<TopicFilter> { get set }
    /// Ends the stream (not under the lock: finishing runs the termination handler).
    func finish()
}

/// The state of one ``BusSubscription``; `id`, `filters` and `tag` are guarded by the core's lock.
final class TaggedReceiver<Tag: Sendable>: BusReceiver, @unchecked Sendable {
    let continuation: AsyncStream<BusSubscription<Tag>.Delivery>.Continuation
    var id: UInt64 = 0
    var filters: Set<TopicFilter> = []
    var tag: Tag

    init(continuation: AsyncStream<BusSubscription<Tag>.Delivery>.Continuation, tag: Tag) {
        self.continuation = continuation
        self.tag = tag
    }

    func receive(_ message: BrokerMessage) -> Bool {
        if case .dropped = continuation.yield(BusSubscription<Tag>.Delivery(message: message, tag: tag)) { return false }
        return true
    }

    func finish() { continuation.finish() }
}
