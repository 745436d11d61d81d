import MQTT
import NIOCore

/// A message waiting to go to one subscriber, with the per-subscriber delivery choices made.
struct PendingDelivery: Sendable {
    var message: BrokerMessage
    /// min(published QoS, granted QoS).
    var qos: QoS
    var retainFlag: Bool
    var subscriptionIdentifiers: [UInt32]
}

/// Why a message to one subscriber was not delivered.
enum DropReason: String, Sendable {
    case queueFull = "queue_full"
    case expired
    case tooLarge = "too_large"
    case offlineQoS0 = "offline_qos0"
}

/// What the session wants done with one message.
enum DeliveryOutcome: Sendable, Equatable {
    case send(PublishPacket)
    case queued
    case dropped(DropReason)
}

/// The state of one MQTT session (MQTT 5.0 §4.1): what survives a dropped connection.
///
/// A value-type state machine: each method takes an input (a message to deliver, an
/// acknowledgement, a reconnect) and returns the packets to send, never doing I/O itself.
///
/// Outbound flow control: at most `clientReceiveMaximum` QoS 1/2 PUBLISHes are unacknowledged
/// (in flight); further messages wait in `queue`, which also holds messages that arrive while
/// the client is offline. The queue is bounded by `maximumQueued`: when it is full the new
/// message is dropped, so the oldest queued messages (the ones the client is waiting longest
/// for) are kept. On reconnect unacknowledged messages are sent again first, in their original
/// order, with DUP set (PUBREL for those already PUBRECed), then the queue drains (MQTT 5.0 §4.4).
struct Session: Sendable {
    enum OutboundState: Sendable, Equatable {
        case awaitingPubAck
        case awaitingPubRec
        case awaitingPubComp
    }

    struct Inflight: Sendable {
        var delivery: PendingDelivery
        var state: OutboundState
        var sequence: UInt64
    }

    let clientID: String
    var principal: Principal
    var version: ProtocolVersion
    /// Raw filter → the parsed filter and its record.
    var subscriptions: [String: (filter: TopicFilter, record: SubscriptionRecord)] = [:]
    var inflight: [UInt16: Inflight] = [:]
    var queue = CircularBuffer<PendingDelivery>()
    /// QoS 2 packet identifiers received and PUBRECed, waiting for PUBREL (MQTT 5.0 §4.3.3).
    var inboundQoS2: Set<UInt16> = []
    var nextPacketID: UInt16 = 1
    var sequence: UInt64 = 0
    /// Seconds the session outlives its connection; `UInt32.max` never expires.
    var expiryInterval: UInt32 = 0
    var isConnected = false
    /// The connection the session is attached to while connected.
    var connection: ConnectionID?
    var disconnectedAt: Duration?
    /// The client's Receive Maximum (5.0; 65,535 otherwise).
    var clientReceiveMaximum = 65_535
    /// The client's Maximum Packet Size (5.0), if it gave one.
    var clientMaximumPacketSize: Int?
    let maximumQueued: Int
    let queueQoS0: Bool

    init(clientID: String, principal: Principal, version: ProtocolVersion, maximumQueued: Int, queueQoS0: Bool) {
        self.clientID = clientID; self.principal = principal; self.version = version
        self.maximumQueued = maximumQueued; self.queueQoS0 = queueQoS0
    }

    /// When the session ends if it stays disconnected.
    var expiresAt: Duration? {
        guard !isConnected, let at = disconnectedAt, expiryInterval != UInt32.max else { return nil }
        return at + .seconds(Int64(expiryInterval))
    }

    /// Offers a message: sends it, queues it, or drops it.
    mutating func deliver(_ d: PendingDelivery, now: Duration) -> DeliveryOutcome {
        if d.message.isExpired(at: now) { return .dropped(.expired) }
        guard isConnected else {
            if d.qos == .atMostOnce && !queueQoS0 { return .dropped(.offlineQoS0) }
            return enqueue(d)
        }
        if d.qos == .atMostOnce {
            let p = d.message.publishPacket(qos: .atMostOnce, retainFlag: d.retainFlag, packetIdentifier: nil,
                                            subscriptionIdentifiers: d.subscriptionIdentifiers, now: now)
            return fits(p) ? .send(p) : .dropped(.tooLarge)
        }
        if inflight.count >= clientReceiveMaximum || !queue.isEmpty { return enqueue(d) }
        return startFlight(d, now: now)
    }

    private mutating func enqueue(_ d: PendingDelivery) -> DeliveryOutcome {
        guard queue.count < maximumQueued else { return .dropped(.queueFull) }
        queue.append(d)
        return .queued
    }

    private func fits(_ p: PublishPacket) -> Bool {
        guard let max = clientMaximumPacketSize else { return true }
        return MQTTPacket.publish(p).encodedSize(version: version) <= max
    }

    private mutating func startFlight(_ d: PendingDelivery, now: Duration) -> DeliveryOutcome {
        let id = allocatePacketID()
        let p = d.message.publishPacket(qos: d.qos, retainFlag: d.retainFlag, packetIdentifier: id,
                                        subscriptionIdentifiers: d.subscriptionIdentifiers, now: now)
        // MQTT 5.0 §3.1.2.25: a packet over the client's maximum is discarded as if delivered.
        guard fits(p) else { return .dropped(.tooLarge) }
        sequence &+= 1
        inflight[id] = Inflight(delivery: d, state: d.qos == .atLeastOnce ? .awaitingPubAck : .awaitingPubRec, sequence: sequence)
        return .send(p)
    }

    private mutating func allocatePacketID() -> UInt16 {
        while inflight[nextPacketID] != nil {
            nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
        }
        let id = nextPacketID
        nextPacketID = nextPacketID == UInt16.max ? 1 : nextPacketID + 1
        return id
    }

    /// Moves queued messages into flight while the window allows; returns the PUBLISHes to send.
    mutating func drainQueue(now: Duration, dropped: inout [DropReason]) -> [MQTTPacket] {
        guard isConnected else { return [] }
        var out: [MQTTPacket] = []
        while inflight.count < clientReceiveMaximum, let d = queue.popFirst() {
            if d.message.isExpired(at: now) { dropped.append(.expired); continue }
            if d.qos == .atMostOnce {
                let p = d.message.publishPacket(qos: .atMostOnce, retainFlag: d.retainFlag, packetIdentifier: nil,
                                                subscriptionIdentifiers: d.subscriptionIdentifiers, now: now)
                if fits(p) { out.append(.publish(p)) } else { dropped.append(.tooLarge) }
                continue
            }
            switch startFlight(d, now: now) {
            case .send(let p): out.append(.publish(p))
            case .dropped(let r): dropped.append(r)
            case .queued: break
            }
        }
        return out
    }

    /// PUBACK received (QoS 1 done). Unknown identifiers are ignored (MQTT 5.0 §4.3.2 allows a
    /// late duplicate). Returns queued messages that may now be sent.
    mutating func acknowledge(pubAck id: UInt16, now: Duration, dropped: inout [DropReason]) -> [MQTTPacket] {
        guard let f = inflight[id], f.state == .awaitingPubAck else { return [] }
        inflight[id] = nil
        return drainQueue(now: now, dropped: &dropped)
    }

    /// PUBREC received: answer PUBREL, or end the flow if the client refused the message.
    mutating func acknowledge(pubRec id: UInt16, reasonCode: ReasonCode, now: Duration, dropped: inout [DropReason]) -> [MQTTPacket] {
        guard var f = inflight[id] else {
            // MQTT 5.0 §4.3.3: answer an unknown PUBREC with PUBREL 0x92.
            return version == .v5 ? [.pubrel(AckPacket(packetIdentifier: id, reasonCode: .packetIdentifierNotFound))]
                                  : [.pubrel(AckPacket(packetIdentifier: id))]
        }
        if reasonCode.isFailure {
            inflight[id] = nil
            return drainQueue(now: now, dropped: &dropped)
        }
        f.state = .awaitingPubComp
        inflight[id] = f
        return [.pubrel(AckPacket(packetIdentifier: id))]
    }

    /// PUBCOMP received (QoS 2 done).
    mutating func acknowledge(pubComp id: UInt16, now: Duration, dropped: inout [DropReason]) -> [MQTTPacket] {
        guard let f = inflight[id], f.state == .awaitingPubComp else { return [] }
        inflight[id] = nil
        return drainQueue(now: now, dropped: &dropped)
    }

    /// A QoS 2 PUBLISH arrived. Returns `true` when it is new and must be routed, `false` for a
    /// retransmission of one already received (which must not be delivered twice).
    mutating func receiveQoS2(_ id: UInt16) -> Bool {
        inboundQoS2.insert(id).inserted
    }

    /// PUBREL arrived: forget the identifier. Returns the PUBCOMP.
    mutating func release(_ id: UInt16) -> MQTTPacket {
        let known = inboundQoS2.remove(id) != nil
        let code: ReasonCode = known || version != .v5 ? .success : .packetIdentifierNotFound
        return .pubcomp(AckPacket(packetIdentifier: id, reasonCode: code))
    }

    /// The connection went away.
    mutating func disconnect(at now: Duration) {
        isConnected = false
        connection = nil
        disconnectedAt = now
    }

    /// A client connected to this (existing) session: resend what is in flight, in order, then
    /// drain the queue (MQTT 5.0 §4.4).
    mutating func resume(now: Duration, dropped: inout [DropReason]) -> [MQTTPacket] {
        isConnected = true
        disconnectedAt = nil
        var out: [MQTTPacket] = []
        for (id, f) in inflight.sorted(by: { $0.value.sequence < $1.value.sequence }) {
            switch f.state {
            case .awaitingPubAck, .awaitingPubRec:
                var p = f.delivery.message.publishPacket(qos: f.delivery.qos, retainFlag: f.delivery.retainFlag,
                                                         packetIdentifier: id,
                                                         subscriptionIdentifiers: f.delivery.subscriptionIdentifiers, now: now)
                p.dup = true
                out.append(.publish(p))
            case .awaitingPubComp:
                out.append(.pubrel(AckPacket(packetIdentifier: id)))
            }
        }
        out += drainQueue(now: now, dropped: &dropped)
        return out
    }
}
