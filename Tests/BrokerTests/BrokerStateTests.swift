@testable import Broker
import MQTT
import NIOCore
import Testing

/// Drives ``BrokerState`` directly: no sockets, time passed in by hand.
struct Harness {
    var state: BrokerState

    init(_ configure: (inout BrokerConfiguration) -> Void = { _ in }) {
        var c = BrokerConfiguration()
        configure(&c)
        state = BrokerState(limits: BrokerLimits(c), policy: AccessPolicy(rules: c.acl, defaultEffect: c.aclDefault))
    }

    @discardableResult
    mutating func connect(_ id: String, conn: UInt64, version: ProtocolVersion = .v5, clean: Bool = true, expiry: UInt32? = nil,
                          will: WillMessage? = nil, principal: Principal = .anonymous, at now: Duration = .zero) -> [BrokerEffect] {
        var props = MQTTProperties()
        props.sessionExpiryInterval = expiry
        let c = ConnectPacket(protocolVersion: version, clientIdentifier: id, cleanStart: clean, will: will, properties: props)
        return state.connect(c, principal: principal, connection: ConnectionID(conn), now: now).effects
    }

    @discardableResult
    mutating func subscribe(_ id: String, conn: UInt64, _ filter: String, qos: QoS = .atLeastOnce,
                            options: SubscriptionOptions? = nil, at now: Duration = .zero) -> [BrokerEffect] {
        let sub = Subscription(topicFilter: filter, options: options ?? SubscriptionOptions(qos: qos))
        return state.subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [sub]), clientID: id, connection: ConnectionID(conn), now: now)
    }

    @discardableResult
    mutating func publish(_ id: String, conn: UInt64, _ topic: String, _ payload: String, qos: QoS = .atMostOnce, retain: Bool = false,
                          pid: UInt16? = nil, at now: Duration = .zero) -> [BrokerEffect] {
        let p = PublishPacket(topic: topic, payload: ByteBuffer(string: payload), qos: qos, retain: retain,
                              packetIdentifier: qos == .atMostOnce ? nil : (pid ?? 1))
        return state.publish(p, topic: topic, clientID: id, connection: ConnectionID(conn), now: now)
    }
}

/// The PUBLISH payloads sent to a connection.
func published(_ effects: [BrokerEffect], to conn: UInt64) -> [String] {
    effects.compactMap {
        if case let .send(c, .publish(p)) = $0, c == ConnectionID(conn) { return String(buffer: p.payload) }
        return nil
    }
}

func sent(_ effects: [BrokerEffect], to conn: UInt64) -> [MQTTPacket] {
    effects.compactMap { if case let .send(c, p) = $0, c == ConnectionID(conn) { return p } else { return nil } }
}

@Suite("Broker state machine")
struct BrokerStateTests {
    @Test("CONNACK announces limits to 5.0 clients; Server Keep Alive when capped")
    func connack() {
        var h = Harness { $0.maximumKeepAlive = 30 }
        let e = h.connect("a", conn: 1)
        guard case .connack(let ack) = sent(e, to: 1).first else { Issue.record("no CONNACK"); return }
        #expect(ack.reasonCode == .success && !ack.sessionPresent)
        #expect(ack.properties.serverKeepAlive == 30)
        #expect(ack.properties.receiveMaximum == 1024)
        #expect(ack.properties.topicAliasMaximum == 64)
    }

    @Test("empty client identifier: assigned for 5.0, refused for 3.1.1 without clean session")
    func emptyClientID() {
        var h = Harness()
        guard case .connack(let ack) = sent(h.connect("", conn: 1), to: 1).first else { Issue.record("no CONNACK"); return }
        #expect(ack.properties.assignedClientIdentifier?.isEmpty == false)
        let c = ConnectPacket(protocolVersion: .v311, clientIdentifier: "", cleanStart: false)
        let o = h.state.connect(c, principal: .anonymous, connection: ConnectionID(2), now: .zero)
        #expect(o.refused)
        #expect(sent(o.effects, to: 2) == [.connack(ConnAckPacket(reasonCode: .clientIdentifierNotValid))])
        #expect(o.effects.contains { if case .close(let c) = $0 { c == ConnectionID(2) } else { false } })
    }

    @Test("retained message delivered on subscribe with RETAIN set; empty payload clears it")
    func retained() {
        var h = Harness()
        h.connect("p", conn: 1)
        h.connect("s", conn: 2)
        h.publish("p", conn: 1, "r/a", "kept", retain: true)
        let e = h.subscribe("s", conn: 2, "r/#")
        guard case .publish(let p) = sent(e, to: 2).last else { Issue.record("no retained PUBLISH"); return }
        #expect(p.retain && String(buffer: p.payload) == "kept")
        #expect(sent(e, to: 2).first.map { if case .suback = $0 { true } else { false } } == true)
        h.publish("p", conn: 1, "r/a", "", retain: true)
        do { let r = (published(h.subscribe("s", conn: 2, "r/+"), to: 2).isEmpty); #expect(r) }
    }

    @Test("live delivery clears RETAIN unless Retain As Published; Retain Handling 1 and 2")
    func retainFlags() {
        var h = Harness()
        h.connect("p", conn: 1)
        h.connect("s", conn: 2)
        h.publish("p", conn: 1, "x", "r", retain: true)
        do { let r = (published(h.subscribe("s", conn: 2, "x", options: SubscriptionOptions(retainHandling: 2)), to: 2).isEmpty); #expect(r) }
        h.connect("s2", conn: 3)
        do { let r = (published(h.subscribe("s2", conn: 3, "x", options: SubscriptionOptions(retainHandling: 1)), to: 3) == ["r"]); #expect(r) }
        do { let r = (published(h.subscribe("s2", conn: 3, "x", options: SubscriptionOptions(retainHandling: 1)), to: 3).isEmpty); #expect(r) }
        h.connect("s3", conn: 4)
        h.subscribe("s3", conn: 4, "y", options: SubscriptionOptions(retainAsPublished: true, retainHandling: 2))
        let e = h.publish("p", conn: 1, "y", "live", retain: true)
        let toS3 = sent(e, to: 4)
        guard case .publish(let p) = toS3.first else { Issue.record("no PUBLISH"); return }
        #expect(p.retain)
    }

    @Test("no-local suppresses a client's own messages")
    func noLocal() {
        var h = Harness()
        h.connect("a", conn: 1)
        h.subscribe("a", conn: 1, "t", options: SubscriptionOptions(noLocal: true))
        do { let r = (published(h.publish("a", conn: 1, "t", "own"), to: 1).isEmpty); #expect(r) }
    }

    @Test("overlapping subscriptions: one delivery at the highest QoS with every subscription identifier")
    func overlapping() {
        var h = Harness()
        h.connect("s", conn: 1)
        h.connect("p", conn: 2)
        var props = MQTTProperties()
        props.subscriptionIdentifiers = [7]
        _ = h.state.subscribe(SubscribePacket(packetIdentifier: 1, subscriptions: [Subscription(topicFilter: "a/#", options: SubscriptionOptions(qos: .atMostOnce))], properties: props),
                              clientID: "s", connection: ConnectionID(1), now: .zero)
        props.subscriptionIdentifiers = [9]
        _ = h.state.subscribe(SubscribePacket(packetIdentifier: 2, subscriptions: [Subscription(topicFilter: "a/+", options: SubscriptionOptions(qos: .exactlyOnce))], properties: props),
                              clientID: "s", connection: ConnectionID(1), now: .zero)
        let e = h.publish("p", conn: 2, "a/b", "m", qos: .exactlyOnce)
        let packets = sent(e, to: 1)
        #expect(packets.count == 1)
        guard case .publish(let p) = packets.first else { Issue.record("no PUBLISH"); return }
        #expect(p.qos == .exactlyOnce)
        #expect(Set(p.properties.subscriptionIdentifiers) == [7, 9])
    }

    @Test("shared subscription: each message to exactly one member, round robin over connected members")
    func shared() {
        var h = Harness()
        for (i, id) in ["a", "b", "p"].enumerated() { h.connect(id, conn: UInt64(i + 1)) }
        h.subscribe("a", conn: 1, "$share/g/jobs/#")
        h.subscribe("b", conn: 2, "$share/g/jobs/#")
        var toA = 0, toB = 0
        for i in 0..<10 {
            let e = h.publish("p", conn: 3, "jobs/\(i)", "\(i)", qos: .atLeastOnce, pid: UInt16(i + 1))
            toA += published(e, to: 1).count
            toB += published(e, to: 2).count
        }
        #expect(toA == 5 && toB == 5)
        // No Local on a shared subscription is a protocol error (MQTT 5.0 §3.8.3.1).
        let e = h.subscribe("a", conn: 1, "$share/g/x", options: SubscriptionOptions(noLocal: true))
        #expect(sent(e, to: 1) == [.disconnect(DisconnectPacket(reasonCode: .protocolError))])
    }

    @Test("will: published on connection loss, not after a normal DISCONNECT")
    func will() {
        var h = Harness()
        h.connect("w", conn: 1)
        h.subscribe("w", conn: 1, "wills/#")
        let will = WillMessage(topic: "wills/x", payload: ByteBuffer(string: "gone"), qos: .atLeastOnce)
        h.connect("a", conn: 2, will: will)
        do { let r = (published(h.state.connectionLost(clientID: "a", connection: ConnectionID(2), disconnect: nil, now: .zero), to: 1) == ["gone"]); #expect(r) }
        h.connect("b", conn: 3, will: will)
        do { let r = (h.state.connectionLost(clientID: "b", connection: ConnectionID(3), disconnect: DisconnectPacket(), now: .zero).isEmpty); #expect(r) }
        h.connect("c", conn: 4, will: will)
        let e = h.state.connectionLost(clientID: "c", connection: ConnectionID(4), disconnect: DisconnectPacket(reasonCode: .disconnectWithWillMessage), now: .zero)
        #expect(published(e, to: 1) == ["gone"])
    }

    @Test("will delay: fires at the delay, or is cancelled by a reconnect")
    func willDelay() {
        var h = Harness()
        h.connect("w", conn: 1)
        h.subscribe("w", conn: 1, "wills/#")
        var props = MQTTProperties()
        props.willDelayInterval = 10
        let will = WillMessage(topic: "wills/x", payload: ByteBuffer(string: "late"), properties: props)
        h.connect("a", conn: 2, expiry: 100, will: will)
        do { let r = (h.state.connectionLost(clientID: "a", connection: ConnectionID(2), disconnect: nil, now: .seconds(0)).isEmpty); #expect(r) }
        do { let r = (published(h.state.tick(now: .seconds(9)), to: 1).isEmpty); #expect(r) }
        do { let r = (published(h.state.tick(now: .seconds(10)), to: 1) == ["late"]); #expect(r) }
        do { let r = (published(h.state.tick(now: .seconds(20)), to: 1).isEmpty); #expect(r) }
        // Again, but the client comes back within the delay.
        h.connect("a", conn: 3, clean: false, expiry: 100, will: will, at: .seconds(20))
        _ = h.state.connectionLost(clientID: "a", connection: ConnectionID(3), disconnect: nil, now: .seconds(20))
        h.connect("a", conn: 4, clean: false, expiry: 100, at: .seconds(25))
        do { let r = (published(h.state.tick(now: .seconds(40)), to: 1).isEmpty); #expect(r) }
    }

    @Test("will delay longer than the session expiry: published when the session ends")
    func willAtSessionEnd() {
        var h = Harness()
        h.connect("w", conn: 1)
        h.subscribe("w", conn: 1, "wills/#")
        var props = MQTTProperties()
        props.willDelayInterval = 1000
        h.connect("a", conn: 2, expiry: 5, will: WillMessage(topic: "wills/x", payload: ByteBuffer(string: "end"), properties: props))
        _ = h.state.connectionLost(clientID: "a", connection: ConnectionID(2), disconnect: nil, now: .zero)
        do { let r = (published(h.state.tick(now: .seconds(4)), to: 1).isEmpty); #expect(r) }
        do { let r = (published(h.state.tick(now: .seconds(5)), to: 1) == ["end"]); #expect(r) }
        #expect(h.state.sessions["a"] == nil)
    }

    @Test("session expiry: queued while offline, session and subscriptions dropped after the interval")
    func sessionExpiry() {
        var h = Harness()
        h.connect("s", conn: 1, clean: false, expiry: 60)
        h.subscribe("s", conn: 1, "t")
        h.connect("p", conn: 2)
        _ = h.state.connectionLost(clientID: "s", connection: ConnectionID(1), disconnect: nil, now: .seconds(0))
        h.publish("p", conn: 2, "t", "while-away", qos: .atLeastOnce, at: .seconds(1))
        _ = h.state.tick(now: .seconds(59))
        #expect(h.state.sessions["s"] != nil)
        let e = h.connect("s", conn: 3, clean: false, expiry: 60, at: .seconds(59))
        guard case .connack(let ack) = sent(e, to: 3).first else { Issue.record("no CONNACK"); return }
        #expect(ack.sessionPresent)
        #expect(published(e, to: 3) == ["while-away"])
        _ = h.state.connectionLost(clientID: "s", connection: ConnectionID(3), disconnect: nil, now: .seconds(100))
        _ = h.state.tick(now: .seconds(160))
        #expect(h.state.sessions["s"] == nil)
        #expect(h.state.tree.count == 0)
    }

    @Test("3.1.1 clean session ends with the connection; clean session 0 persists")
    func v311Sessions() {
        var h = Harness()
        h.connect("c", conn: 1, version: .v311, clean: true)
        _ = h.state.connectionLost(clientID: "c", connection: ConnectionID(1), disconnect: DisconnectPacket(), now: .zero)
        #expect(h.state.sessions["c"] == nil)
        h.connect("d", conn: 2, version: .v311, clean: false)
        _ = h.state.connectionLost(clientID: "d", connection: ConnectionID(2), disconnect: DisconnectPacket(), now: .zero)
        _ = h.state.tick(now: .seconds(1_000_000))
        #expect(h.state.sessions["d"] != nil)
    }

    @Test("session takeover: the old connection gets DISCONNECT 0x8E and is closed")
    func takeover() {
        var h = Harness()
        h.connect("x", conn: 1)
        let e = h.connect("x", conn: 2)
        #expect(sent(e, to: 1) == [.disconnect(DisconnectPacket(reasonCode: .sessionTakenOver))])
        #expect(e.contains { if case .close(let c) = $0 { c == ConnectionID(1) } else { false } })
        // The old connection's later close does not touch the new session.
        do { let r = (h.state.connectionLost(clientID: "x", connection: ConnectionID(1), disconnect: nil, now: .zero).isEmpty); #expect(r) }
        #expect(h.state.connections["x"]?.id == ConnectionID(2))
    }

    @Test("ACL: application isolation on subscribe, publish and wildcard delivery")
    func applicationIsolation() {
        var h = Harness()
        h.connect("a1", conn: 1, principal: .application(id: "1", username: "u1"))
        h.connect("a2", conn: 2, principal: .application(id: "2", username: "u2"))
        let denied = h.subscribe("a1", conn: 1, "application/2/#")
        #expect(sent(denied, to: 1) == [.suback(SubAckPacket(packetIdentifier: 1, reasonCodes: [.notAuthorized]))])
        h.subscribe("a1", conn: 1, "application/+/device/#")
        // App 2's own message is filtered out of app 1's wildcard subscription.
        do { let r = (published(h.publish("a2", conn: 2, "application/2/device/x", "private"), to: 1).isEmpty); #expect(r) }
        do { let r = (published(h.publish("a1", conn: 1, "application/1/device/x", "mine"), to: 1) == ["mine"]); #expect(r) }
        // App 1 writing into app 2: PUBACK 0x87, nothing routed.
        h.subscribe("a2", conn: 2, "application/2/#")
        let e = h.publish("a1", conn: 1, "application/2/device/x/command/down", "evil", qos: .atLeastOnce)
        #expect(sent(e, to: 1) == [.puback(AckPacket(packetIdentifier: 1, reasonCode: .notAuthorized))])
        #expect(published(e, to: 2).isEmpty)
    }

    @Test("inbound QoS 2 beyond Receive Maximum disconnects with 0x93")
    func receiveMaximum() {
        var h = Harness { $0.receiveMaximum = 2 }
        h.connect("p", conn: 1)
        h.publish("p", conn: 1, "t", "1", qos: .exactlyOnce, pid: 1)
        h.publish("p", conn: 1, "t", "2", qos: .exactlyOnce, pid: 2)
        let e = h.publish("p", conn: 1, "t", "3", qos: .exactlyOnce, pid: 3)
        #expect(sent(e, to: 1) == [.disconnect(DisconnectPacket(reasonCode: .receiveMaximumExceeded))])
    }

    @Test("'$' topics are not matched by leading wildcards")
    func dollarTopics() {
        var h = Harness()
        h.connect("s", conn: 1)
        h.connect("p", conn: 2)
        h.subscribe("s", conn: 1, "#")
        do { let r = (published(h.publish("p", conn: 2, "$SYS/x", "sys"), to: 1).isEmpty); #expect(r) }
        h.subscribe("s", conn: 1, "$SYS/#")
        do { let r = (published(h.publish("p", conn: 2, "$SYS/x", "sys"), to: 1) == ["sys"]); #expect(r) }
    }
}
