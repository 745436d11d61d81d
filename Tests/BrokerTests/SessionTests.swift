@testable import Broker
import MQTT
import NIOCore
import Testing

func message(_ topic: String = "t", _ payload: String = "p", qos: QoS = .atLeastOnce, expiresAt: Duration? = nil) -> BrokerMessage {
    BrokerMessage(topic: topic, payload: ByteBuffer(string: payload), qos: qos, expiresAt: expiresAt)
}

func delivery(_ payload: String, qos: QoS = .atLeastOnce, expiresAt: Duration? = nil) -> PendingDelivery {
    PendingDelivery(message: message("t", payload, qos: qos, expiresAt: expiresAt), qos: qos, retainFlag: false, subscriptionIdentifiers: [])
}

func payloads(_ packets: [MQTTPacket]) -> [String] {
    packets.compactMap { if case .publish(let p) = $0 { String(buffer: p.payload) } else { nil } }
}

@Suite("Session state machine")
struct SessionTests {
    func connectedSession(receiveMaximum: Int = 2, maxQueued: Int = 3) -> Session {
        var s = Session(clientID: "c", principal: .anonymous, version: .v5, maximumQueued: maxQueued, queueQoS0: false)
        s.clientReceiveMaximum = receiveMaximum
        var dropped: [DropReason] = []
        _ = s.resume(now: .zero, dropped: &dropped)
        return s
    }

    @Test("the in-flight window follows the client's Receive Maximum; acks release queued messages")
    func flowControl() {
        var s = connectedSession()
        guard case .send(let p1) = s.deliver(delivery("1"), now: .zero) else { Issue.record("not sent"); return }
        guard case .send = s.deliver(delivery("2"), now: .zero) else { Issue.record("not sent"); return }
        do { let r = (s.deliver(delivery("3"), now: .zero) == .queued); #expect(r) }
        var dropped: [DropReason] = []
        let released = s.acknowledge(pubAck: p1.packetIdentifier!, now: .zero, dropped: &dropped)
        #expect(payloads(released) == ["3"])
        // A second PUBACK for the same identifier is ignored.
        do { let r = (s.acknowledge(pubAck: p1.packetIdentifier!, now: .zero, dropped: &dropped).isEmpty); #expect(r) }
        #expect(s.inflight.count == 2)
    }

    @Test("offline: QoS 1 queued up to the bound, then new messages dropped; QoS 0 dropped")
    func offlineQueue() {
        var s = connectedSession()
        s.disconnect(at: .seconds(1))
        do { let r = (s.deliver(delivery("0", qos: .atMostOnce), now: .seconds(1)) == .dropped(.offlineQoS0)); #expect(r) }
        for i in 1...3 { #expect(s.deliver(delivery("\(i)"), now: .seconds(1)) == .queued) }
        do { let r = (s.deliver(delivery("4"), now: .seconds(1)) == .dropped(.queueFull)); #expect(r) }
        var dropped: [DropReason] = []
        let out = s.resume(now: .seconds(2), dropped: &dropped)
        // Window of 2: the oldest two go out, the third waits.
        #expect(payloads(out) == ["1", "2"])
        #expect(s.queue.count == 1)
    }

    @Test("reconnect resends unacknowledged PUBLISHes with DUP, and PUBREL for PUBRECed ones, in order")
    func redelivery() {
        var s = connectedSession(receiveMaximum: 10)
        guard case .send(let a) = s.deliver(delivery("a", qos: .exactlyOnce), now: .zero),
              case .send = s.deliver(delivery("b"), now: .zero) else { Issue.record("not sent"); return }
        var dropped: [DropReason] = []
        do { let r = (s.acknowledge(pubRec: a.packetIdentifier!, reasonCode: .success, now: .zero, dropped: &dropped)
                == [.pubrel(AckPacket(packetIdentifier: a.packetIdentifier!))]); #expect(r) }
        s.disconnect(at: .seconds(1))
        let out = s.resume(now: .seconds(2), dropped: &dropped)
        #expect(out.count == 2)
        #expect(out.first == .pubrel(AckPacket(packetIdentifier: a.packetIdentifier!)))
        guard case .publish(let b) = out.last else { Issue.record("no PUBLISH"); return }
        #expect(b.dup && String(buffer: b.payload) == "b")
        // PUBCOMP completes the QoS 2 flow.
        _ = s.acknowledge(pubComp: a.packetIdentifier!, now: .seconds(2), dropped: &dropped)
        #expect(s.inflight.count == 1)
    }

    @Test("inbound QoS 2: a retransmission is not delivered twice; PUBREL answers PUBCOMP")
    func inboundQoS2() {
        var s = connectedSession()
        do { let r = (s.receiveQoS2(5)); #expect(r) }
        do { let r = (!s.receiveQoS2(5)); #expect(r) }
        do { let r = (s.release(5) == .pubcomp(AckPacket(packetIdentifier: 5))); #expect(r) }
        do { let r = (s.release(5) == .pubcomp(AckPacket(packetIdentifier: 5, reasonCode: .packetIdentifierNotFound))); #expect(r) }
        do { let r = (s.receiveQoS2(5)); #expect(r) }
    }

    @Test("expired messages are not delivered; remaining expiry is sent")
    func expiry() {
        var s = connectedSession()
        do { let r = (s.deliver(delivery("old", expiresAt: .seconds(10)), now: .seconds(10)) == .dropped(.expired)); #expect(r) }
        guard case .send(let p) = s.deliver(delivery("fresh", expiresAt: .seconds(30)), now: .seconds(10)) else {
            Issue.record("not sent"); return
        }
        #expect(p.properties.messageExpiryInterval == 20)
    }

    @Test("messages over the client's Maximum Packet Size are dropped")
    func maximumPacketSize() {
        var s = connectedSession()
        s.clientMaximumPacketSize = 20
        do { let r = (s.deliver(delivery(String(repeating: "x", count: 50)), now: .zero) == .dropped(.tooLarge)); #expect(r) }
        #expect(s.inflight.isEmpty)
    }

    @Test("keep-alive: 1.5 × keep-alive of silence expires the connection")
    func keepAlive() {
        var k = KeepAliveMonitor(keepAlive: 10, now: .seconds(100))
        #expect(!k.isExpired(at: .seconds(115)))
        #expect(k.isExpired(at: .milliseconds(115_001)))
        k.activity(at: .seconds(110))
        #expect(!k.isExpired(at: .seconds(124)))
        #expect(!KeepAliveMonitor(keepAlive: 0, now: .zero).isExpired(at: .seconds(1_000_000)))
    }

    @Test("topic aliases: set, reuse, out of range, unknown")
    func aliases() {
        var t = TopicAliasTable(maximum: 2)
        #expect(t.resolve(topic: "a/b", alias: 1) == .success("a/b"))
        #expect(t.resolve(topic: "", alias: 1) == .success("a/b"))
        #expect(t.resolve(topic: "", alias: 2) == .failure(.protocolError))
        #expect(t.resolve(topic: "x", alias: 3) == .failure(.topicAliasInvalid))
        #expect(t.resolve(topic: "x", alias: nil) == .success("x"))
    }
}
