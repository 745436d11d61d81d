import MQTT
import NIOCore

/// Identifies one network connection (a TCP or WebSocket channel) inside the broker state.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "#\(rawValue)" }
}

/// What the broker state asks its owner to do.
enum BrokerEffect: Sendable {
    /// Send a packet on a connection.
    case send(ConnectionID, MQTTPacket)
    /// Close a connection (after sending what precedes this effect).
    case close(ConnectionID)
    /// Hand a message to an in-process bus subscriber.
    case bus(UInt64, BrokerMessage)
    /// A message was not delivered to one subscriber (for metrics).
    case dropped(DropReason)
}

/// The connection currently attached to a session.
struct ConnectionRecord: Sendable {
    var id: ConnectionID
    var version: ProtocolVersion
    var will: WillMessage?
}

/// The limits and policies the state applies; taken from ``BrokerConfiguration``.
struct BrokerLimits: Sendable {
    var maximumPacketSize: Int
    var maximumKeepAlive: UInt16?
    var maximumSessionExpiryInterval: UInt32
    var maximumQueuedMessages: Int
    var queueQoS0Messages: Bool
    var receiveMaximum: UInt16
    var topicAliasMaximum: UInt16

    init(_ c: BrokerConfiguration) {
        maximumPacketSize = c.maximumPacketSize
        maximumKeepAlive = c.maximumKeepAlive
        maximumSessionExpiryInterval = c.maximumSessionExpiryInterval
        maximumQueuedMessages = c.maximumQueuedMessages
        queueQoS0Messages = c.queueQoS0Messages
        receiveMaximum = c.receiveMaximum
        topicAliasMaximum = c.topicAliasMaximum
    }
}

/// The result of accepting a CONNECT.
struct ConnectOutcome: Sendable {
    /// The client identifier the session is known by (assigned when the client sent none).
    var clientID: String
    /// The keep-alive the connection must enforce, in seconds (0: none).
    var keepAlive: UInt16
    var effects: [BrokerEffect]
    /// Whether the CONNACK refused the connection (the caller closes it).
    var refused: Bool
}

/// Everything the broker knows: sessions, which connection each is attached to, subscriptions,
/// retained messages and pending wills.
///
/// The broker's protocol logic as a state machine: every input (a connect, a packet, a dropped
/// connection, a timer tick with the current time) returns a list of ``BrokerEffect``s, and the
/// state never touches a socket or a clock. ``BrokerCore`` owns one behind a mutex and carries
/// out the effects; unit tests drive it directly with hand-made times.
struct BrokerState {
    var limits: BrokerLimits
    var policy: AccessPolicy
    var sessions: [String: Session] = [:]
    var connections: [String: ConnectionRecord] = [:]
    let tree = TopicTree()
    var retained: [String: BrokerMessage] = [:]
    /// Moves on every change of `retained`, so a saver writes the file only when it changed.
    var retainedChanges: UInt64 = 0
    /// Wills waiting for their delay (5.0 Will Delay Interval), by client identifier.
    var pendingWills: [String: (message: BrokerMessage, fireAt: Duration)] = [:]
    var nextAssignedID: UInt64 = 0
    /// How many (bus subscriber, filter) pairs the tree holds.
    private(set) var busFilterCount = 0

    init(limits: BrokerLimits, policy: AccessPolicy) {
        self.limits = limits
        self.policy = policy
    }

    // MARK: CONNECT

    /// Accepts an authenticated CONNECT on connection `conn` (MQTT 5.0 §3.1.4).
    mutating func connect(_ c: ConnectPacket, principal: Principal, connection conn: ConnectionID, now: Duration) -> ConnectOutcome {
        var effects: [BrokerEffect] = []
        let v5 = c.protocolVersion == .v5
        var clientID = c.clientIdentifier
        var ack = ConnAckPacket()
        if clientID.isEmpty {
            // MQTT 3.1.1 §3.1.3.1: an empty identifier requires a clean session.
            if !v5 && !c.cleanStart {
                ack.reasonCode = .clientIdentifierNotValid
                effects.append(.send(conn, .connack(ack)))
                effects.append(.close(conn))
                return ConnectOutcome(clientID: "", keepAlive: 0, effects: effects, refused: true)
            }
            nextAssignedID &+= 1
            clientID = "lorikeet-\(nextAssignedID)-\(now.components.attoseconds % 1_000_000)"
            if v5 { ack.properties.assignedClientIdentifier = clientID }
        }

        // Session takeover (MQTT 5.0 §3.1.4-3): the old connection gets DISCONNECT 0x8E and its
        // will is handled as for any connection that ended without DISCONNECT.
        if let old = connections[clientID] {
            if old.version == .v5 { effects.append(.send(old.id, .disconnect(DisconnectPacket(reasonCode: .sessionTakenOver)))) }
            effects.append(.close(old.id))
            effects += connectionLost(clientID: clientID, connection: old.id, disconnect: nil, now: now)
        }

        var expiry: UInt32 = v5 ? (c.properties.sessionExpiryInterval ?? 0) : (c.cleanStart ? 0 : UInt32.max)
        if expiry > limits.maximumSessionExpiryInterval {
            expiry = limits.maximumSessionExpiryInterval
            if v5 { ack.properties.sessionExpiryInterval = expiry }
        }

        // A reconnect before the will delay elapsed cancels the will (MQTT 5.0 §3.1.3.2.2).
        pendingWills[clientID] = nil

        var sessionPresent = false
        if c.cleanStart, sessions[clientID] != nil {
            removeSession(clientID)
        }
        var session: Session
        if var existing = sessions[clientID] {
            sessionPresent = true
            existing.principal = principal
            existing.version = c.protocolVersion
            session = existing
        } else {
            session = Session(clientID: clientID, principal: principal, version: c.protocolVersion,
                              maximumQueued: limits.maximumQueuedMessages, queueQoS0: limits.queueQoS0Messages)
        }
        session.expiryInterval = expiry
        session.clientReceiveMaximum = Int(c.properties.receiveMaximum ?? 65_535)
        session.clientMaximumPacketSize = c.properties.maximumPacketSize.map { Int($0) }
        ack.sessionPresent = sessionPresent

        var keepAlive = c.keepAlive
        if let max = limits.maximumKeepAlive, keepAlive == 0 || keepAlive > max {
            keepAlive = max
            if v5 { ack.properties.serverKeepAlive = max }
        }
        if v5 {
            ack.properties.receiveMaximum = limits.receiveMaximum
            ack.properties.maximumPacketSize = UInt32(limits.maximumPacketSize)
            ack.properties.topicAliasMaximum = limits.topicAliasMaximum
        }
        effects.append(.send(conn, .connack(ack)))

        connections[clientID] = ConnectionRecord(id: conn, version: c.protocolVersion, will: c.will)
        session.connection = conn
        var dropped: [DropReason] = []
        let resend = session.resume(now: now, dropped: &dropped)
        sessions[clientID] = session
        for p in resend { effects.append(.send(conn, p)) }
        for r in dropped { effects.append(.dropped(r)) }
        return ConnectOutcome(clientID: clientID, keepAlive: keepAlive, effects: effects, refused: false)
    }

    // MARK: Connection end

    /// The connection ended: with a DISCONNECT (`disconnect != nil`) or without one (network
    /// error, keep-alive timeout, protocol violation, takeover). Handles the will and the session.
    mutating func connectionLost(clientID: String, connection conn: ConnectionID, disconnect: DisconnectPacket?,
                                 now: Duration) -> [BrokerEffect] {
        // A connection that was taken over no longer owns the session.
        guard let record = connections[clientID], record.id == conn else { return [] }
        connections[clientID] = nil
        guard var session = sessions[clientID] else { return [] }
        if let newExpiry = disconnect?.properties.sessionExpiryInterval {
            // MQTT 5.0 §3.14.2.2.2: may not be raised from 0 (the caller treats that as a protocol error).
            session.expiryInterval = min(newExpiry, limits.maximumSessionExpiryInterval)
        }
        session.disconnect(at: now)
        var effects: [BrokerEffect] = []
        // MQTT 5.0 §3.1.2.5: the will is published unless the client sent DISCONNECT 0x00.
        if let will = record.will, disconnect == nil || disconnect?.reasonCode == .disconnectWithWillMessage {
            let message = BrokerMessage(will: will, clientID: clientID, now: now)
            let delay = session.version == .v5 ? will.properties.willDelayInterval ?? 0 : 0
            let wait = min(delay, session.expiryInterval)
            if wait == 0 {
                effects += publishWill(message, principal: session.principal, now: now)
            } else {
                pendingWills[clientID] = (message, now + .seconds(Int64(wait)))
            }
        }
        sessions[clientID] = session
        if session.expiryInterval == 0 { removeSession(clientID) }
        return effects
    }

    private mutating func publishWill(_ message: BrokerMessage, principal: Principal, now: Duration) -> [BrokerEffect] {
        guard policy.mayPublish(principal, topic: message.topic) else { return [] }
        if message.retain { storeRetained(message) }
        return route(message, now: now)
    }

    private mutating func removeSession(_ clientID: String) {
        guard let s = sessions.removeValue(forKey: clientID) else { return }
        for (filter, _) in s.subscriptions.values { tree.remove(filter, subscriber: .client(clientID)) }
    }

    // MARK: Timer

    /// Fires due wills and ends expired sessions (MQTT 5.0 §3.1.2.11.2, §3.1.3.2.2).
    mutating func tick(now: Duration) -> [BrokerEffect] {
        var effects: [BrokerEffect] = []
        for (clientID, s) in sessions where !s.isConnected {
            if let at = s.expiresAt, at <= now {
                // The session ends: a will still waiting is published now.
                if let w = pendingWills.removeValue(forKey: clientID) {
                    effects += publishWill(w.message, principal: s.principal, now: now)
                }
                removeSession(clientID)
            }
        }
        for (clientID, w) in pendingWills where w.fireAt <= now {
            pendingWills[clientID] = nil
            let principal = sessions[clientID]?.principal ?? .anonymous
            effects += publishWill(w.message, principal: principal, now: now)
        }
        for (topic, m) in retained where m.isExpired(at: now) {
            retained[topic] = nil
            retainedChanges &+= 1
        }
        return effects
    }

    // MARK: PUBLISH

    /// A PUBLISH from a client, its topic alias already resolved into `topic`.
    mutating func publish(_ p: PublishPacket, topic: String, clientID: String, connection conn: ConnectionID,
                          now: Duration) -> [BrokerEffect] {
        guard let index = sessions.index(forKey: clientID) else { return [] }
        let (principal, version, _) = Self.identity(of: &sessions.values[index])
        let v5 = version == .v5
        let allowed = policy.mayPublish(principal, topic: topic)
        var effects: [BrokerEffect] = []
        switch p.qos {
        case .atMostOnce:
            break
        case .atLeastOnce:
            let code: ReasonCode = allowed || !v5 ? .success : .notAuthorized
            effects.append(.send(conn, .puback(AckPacket(packetIdentifier: p.packetIdentifier ?? 0, reasonCode: code))))
        case .exactlyOnce:
            let id = p.packetIdentifier ?? 0
            if !allowed {
                effects.append(.send(conn, .pubrec(AckPacket(packetIdentifier: id, reasonCode: v5 ? .notAuthorized : .success))))
                // 3.1.1 cannot refuse: the flow continues to PUBREL/PUBCOMP as usual.
                if !v5 { _ = sessions[clientID]?.receiveQoS2(id) }
                return effects
            }
            let open = sessions[clientID]?.inboundQoS2
            if open?.contains(id) == false && (open?.count ?? 0) >= Int(limits.receiveMaximum) {
                // MQTT 5.0 §3.3.4: more unacknowledged QoS 2 PUBLISHes than Receive Maximum.
                return protocolViolation(conn, version: version, code: .receiveMaximumExceeded)
            }
            let isNew = sessions[clientID]?.receiveQoS2(id) ?? false
            effects.append(.send(conn, .pubrec(AckPacket(packetIdentifier: id))))
            // A retransmitted QoS 2 PUBLISH is acknowledged again but not delivered twice.
            if !isNew { return effects }
        }
        guard allowed else { return effects }
        let message = BrokerMessage(publish: p, topic: topic, clientID: clientID, now: now)
        if p.retain { storeRetained(message) }
        route(message, now: now, into: &effects)
        return effects
    }

    /// A message from the in-process bus.
    mutating func publishFromBus(_ message: BrokerMessage, now: Duration) -> [BrokerEffect] {
        if message.retain { storeRetained(message) }
        return route(message, now: now)
    }

    /// `publishFromBus` appending its effects (one message of a batch).
    mutating func publishFromBus(_ message: BrokerMessage, now: Duration, into effects: inout [BrokerEffect]) {
        if message.retain { storeRetained(message) }
        route(message, now: now, into: &effects)
    }

    /// MQTT 5.0 §3.3.1.3: a retained PUBLISH replaces the retained message for its topic; an
    /// empty payload removes it.
    mutating func storeRetained(_ m: BrokerMessage) {
        if m.payload.readableBytes == 0 { retained[m.topic] = nil } else { retained[m.topic] = m }
        retainedChanges &+= 1
    }

    /// Delivers a message to every matching subscription.
    mutating func route(_ message: BrokerMessage, now: Duration) -> [BrokerEffect] {
        var effects: [BrokerEffect] = []
        route(message, now: now, into: &effects)
        return effects
    }

    /// Delivers a message to every matching subscription, appending the effects.
    ///
    /// One delivery per client: the highest granted QoS and all subscription identifiers
    /// (MQTT 5.0 §3.3.4). A client can hold at most one subscription per tree node, so the
    /// per-client merge is only needed when more than one node matched (overlapping filters);
    /// the common case walks the one matching node's subscribers directly.
    mutating func route(_ message: BrokerMessage, now: Duration, into effects: inout [BrokerEffect]) {
        var single: [SubscriberID: SubscriptionRecord]?
        var merged: [String: (qos: QoS, rap: Bool, ids: [UInt32])]?
        var shared: [SharedGroup] = []
        let publisher = message.publisherClientID
        func merge(_ subscribers: [SubscriberID: SubscriptionRecord], into m: inout [String: (qos: QoS, rap: Bool, ids: [UInt32])]) {
            for (id, record) in subscribers {
                guard case .client(let clientID) = id else { continue }
                if record.options.noLocal && publisher == clientID { continue }
                var entry = m[clientID] ?? (.atMostOnce, false, [])
                entry.qos = max(entry.qos, record.options.qos)
                entry.rap = entry.rap || record.options.retainAsPublished
                if let i = record.identifier { entry.ids.append(i) }
                m[clientID] = entry
            }
        }
        // Bus subscribers are never merged: each gets its copy from the node it matched. Only a
        // subscriber with several filters (``BusSubscription``) can match at two nodes; from the
        // second node with bus subscribers on, a subscriber already served is skipped.
        let busStart = effects.count
        var busNodes = 0
        tree.match(message.topic, visit: { subscribers in
            var sawBus = false
            for (id, _) in subscribers {
                guard case .bus(let b) = id else { continue }
                sawBus = true
                if busNodes > 0, effects[busStart...].contains(where: { if case .bus(b, _) = $0 { true } else { false } }) { continue }
                effects.append(.bus(b, message))
            }
            if sawBus { busNodes += 1 }
            if single == nil && merged == nil {
                single = subscribers
                return
            }
            var m = merged ?? [:]
            if let s = single {
                merge(s, into: &m)
                single = nil
            }
            merge(subscribers, into: &m)
            merged = m
        }, visitShared: { shared.append($0) })

        if let single {
            for (id, record) in single {
                guard case .client(let clientID) = id else { continue }
                if record.options.noLocal && publisher == clientID { continue }
                let d = PendingDelivery(message: message, qos: min(message.qos, record.options.qos),
                                        retainFlag: record.options.retainAsPublished && message.retain,
                                        subscriptionIdentifiers: record.identifier.map { [$0] } ?? [])
                offer(d, to: clientID, now: now, into: &effects)
            }
        } else if let merged {
            for (clientID, e) in merged {
                let d = PendingDelivery(message: message, qos: min(message.qos, e.qos),
                                        retainFlag: e.rap && message.retain, subscriptionIdentifiers: e.ids)
                offer(d, to: clientID, now: now, into: &effects)
            }
        }
        for group in shared {
            guard let member = chooseMember(group, topic: message.topic) else { continue }
            switch member.id {
            case .bus(let b): effects.append(.bus(b, message))
            case .client(let clientID):
                let d = PendingDelivery(message: message, qos: min(message.qos, member.record.options.qos),
                                        retainFlag: member.record.options.retainAsPublished && message.retain,
                                        subscriptionIdentifiers: member.record.identifier.map { [$0] } ?? [])
                offer(d, to: clientID, now: now, into: &effects)
            }
        }
    }

    /// Round-robin over a share group, preferring members that are connected (MQTT 5.0 §4.8.2
    /// leaves the choice to the server).
    private mutating func chooseMember(_ g: SharedGroup, topic: String) -> (id: SubscriberID, record: SubscriptionRecord)? {
        let n = g.members.count
        guard n > 0 else { return nil }
        var fallback: (SubscriberID, SubscriptionRecord)?
        for step in 0..<n {
            let i = (g.cursor + step) % n
            let m = g.members[i]
            switch m.id {
            case .bus:
                g.cursor = (i + 1) % n
                return m
            case .client(let c):
                guard let index = sessions.index(forKey: c) else { continue }
                let (principal, _, connected) = Self.identity(of: &sessions.values[index])
                guard policy.mayReceive(principal, topic: topic) else { continue }
                if connected {
                    g.cursor = (i + 1) % n
                    return m
                }
                if fallback == nil { fallback = m }
            }
        }
        g.cursor = (g.cursor + 1) % n
        return fallback
    }

    /// Hands one delivery to a session: one dictionary lookup, the session read and mutated in
    /// place. (Reading a field through `sessions.values[i]` or `sessions[id]?` copies the whole
    /// session, retaining every field, on every delivery; an `inout` access does not.)
    private mutating func offer(_ d: PendingDelivery, to clientID: String, now: Duration, into effects: inout [BrokerEffect]) {
        guard let index = sessions.index(forKey: clientID) else { return }
        let policy = self.policy
        Self.offer(d, to: &sessions.values[index], policy: policy, now: now, into: &effects)
    }

    private static func offer(_ d: PendingDelivery, to s: inout Session, policy: AccessPolicy, now: Duration,
                              into effects: inout [BrokerEffect]) {
        guard policy.mayReceive(s.principal, topic: d.message.topic) else { return }
        switch s.deliver(d, now: now) {
        case .send(let p):
            guard let conn = s.connection else { return }
            effects.append(.send(conn, .publish(p)))
        case .queued:
            break
        case .dropped(let r):
            effects.append(.dropped(r))
        }
    }

    /// A session's principal, protocol version and whether it is connected, read without copying it.
    @inline(__always)
    private static func identity(of s: inout Session) -> (Principal, ProtocolVersion, Bool) { (s.principal, s.version, s.isConnected) }

    // MARK: Acknowledgements from the client

    mutating func acknowledge(_ packet: MQTTPacket, clientID: String, connection conn: ConnectionID, now: Duration) -> [BrokerEffect] {
        guard let i = sessions.index(forKey: clientID) else { return [] }
        var dropped: [DropReason] = []
        let out: [MQTTPacket]
        switch packet {
        case .puback(let a): out = sessions.values[i].acknowledge(pubAck: a.packetIdentifier, now: now, dropped: &dropped)
        case .pubrec(let a): out = sessions.values[i].acknowledge(pubRec: a.packetIdentifier, reasonCode: a.reasonCode, now: now, dropped: &dropped)
        case .pubcomp(let a): out = sessions.values[i].acknowledge(pubComp: a.packetIdentifier, now: now, dropped: &dropped)
        case .pubrel(let a): out = [sessions.values[i].release(a.packetIdentifier)]
        default: out = []
        }
        if out.isEmpty && dropped.isEmpty { return [] }
        return out.map { .send(conn, $0) } + dropped.map { .dropped($0) }
    }

    // MARK: SUBSCRIBE / UNSUBSCRIBE

    /// MQTT 5.0 §3.8.4: one reason code per filter; retained messages follow the SUBACK.
    mutating func subscribe(_ packet: SubscribePacket, clientID: String, connection conn: ConnectionID, now: Duration) -> [BrokerEffect] {
        guard var s = sessions[clientID] else { return [] }
        let v5 = s.version == .v5
        let identifier = packet.properties.subscriptionIdentifiers.first
        var codes: [ReasonCode] = []
        var retainedToSend: [(TopicFilter, SubscriptionOptions, UInt32?)] = []
        for sub in packet.subscriptions {
            guard let filter = try? TopicFilter(sub.topicFilter) else {
                codes.append(v5 ? .topicFilterInvalid : .unspecifiedError)
                continue
            }
            if filter.shareGroup != nil && sub.options.noLocal {
                // MQTT 5.0 §3.8.3.1: No Local on a shared subscription is a protocol error.
                return protocolViolation(conn, version: s.version, code: .protocolError)
            }
            guard policy.maySubscribe(s.principal, filter: filter.filter) else {
                codes.append(v5 ? .notAuthorized : .unspecifiedError)
                continue
            }
            let record = SubscriptionRecord(options: sub.options, identifier: identifier)
            let existed = tree.insert(filter, subscriber: .client(clientID), record: record)
            s.subscriptions[filter.rawValue] = (filter, record)
            codes.append(ReasonCode(rawValue: sub.options.qos.rawValue))
            // Retain Handling (MQTT 5.0 §3.3.1.3); shared subscriptions get no retained messages.
            let rh = sub.options.retainHandling
            if filter.shareGroup == nil && (rh == 0 || (rh == 1 && !existed)) {
                retainedToSend.append((filter, sub.options, identifier))
            }
        }
        sessions[clientID] = s
        var effects: [BrokerEffect] = [.send(conn, .suback(SubAckPacket(packetIdentifier: packet.packetIdentifier, reasonCodes: codes)))]
        for (filter, options, identifier) in retainedToSend {
            for (topic, m) in retained where filter.matches(topic) {
                if m.isExpired(at: now) { continue }
                guard policy.mayReceive(s.principal, topic: topic) else { continue }
                // Retained messages sent because of a subscription keep RETAIN = 1.
                let d = PendingDelivery(message: m, qos: min(m.qos, options.qos), retainFlag: true,
                                        subscriptionIdentifiers: identifier.map { [$0] } ?? [])
                offer(d, to: clientID, now: now, into: &effects)
            }
        }
        return effects
    }

    mutating func unsubscribe(_ packet: UnsubscribePacket, clientID: String, connection conn: ConnectionID) -> [BrokerEffect] {
        guard var s = sessions[clientID] else { return [] }
        var codes: [ReasonCode] = []
        for raw in packet.topicFilters {
            if let entry = s.subscriptions.removeValue(forKey: raw) {
                tree.remove(entry.filter, subscriber: .client(clientID))
                codes.append(.success)
            } else {
                codes.append(TopicFilter.isValidFilter(raw) || raw.hasPrefix("$share/") ? .noSubscriptionExisted : .topicFilterInvalid)
            }
        }
        sessions[clientID] = s
        return [.send(conn, .unsuback(SubAckPacket(packetIdentifier: packet.packetIdentifier, reasonCodes: codes)))]
    }

    // MARK: Bus subscriptions

    mutating func subscribeBus(_ id: UInt64, filter: TopicFilter) {
        let existed = tree.insert(filter, subscriber: .bus(id), record: SubscriptionRecord(options: SubscriptionOptions(qos: .exactlyOnce), identifier: nil))
        if !existed { busFilterCount += 1 }
    }

    mutating func unsubscribeBus(_ id: UInt64, filter: TopicFilter) {
        if tree.remove(filter, subscriber: .bus(id)) { busFilterCount -= 1 }
    }

    /// Retained messages matching `filter` (for a new bus subscriber).
    func retainedMessages(matching filter: TopicFilter, now: Duration) -> [BrokerMessage] {
        retained.values.filter { filter.matches($0.topic) && !$0.isExpired(at: now) }
    }

    // MARK: Errors

    /// DISCONNECT with `code` for 5.0 clients, then close (MQTT 5.0 §4.13).
    func protocolViolation(_ conn: ConnectionID, version: ProtocolVersion, code: ReasonCode) -> [BrokerEffect] {
        var e: [BrokerEffect] = []
        if version == .v5 { e.append(.send(conn, .disconnect(DisconnectPacket(reasonCode: code)))) }
        e.append(.close(conn))
        return e
    }
}

extension BrokerMessage {
    /// A will turned into a message (MQTT 5.0 §3.1.3.2: will properties travel with it).
    init(will: WillMessage, clientID: String, now: Duration) {
        var props = will.properties
        props.willDelayInterval = nil
        let expiry = props.messageExpiryInterval.map { now + .seconds(Int64($0)) }
        props.messageExpiryInterval = nil
        self.init(topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain, properties: props,
                  expiresAt: expiry, publisherClientID: clientID)
    }
}
