@testable import Broker
import MQTT
import NIOCore
import Testing

@Suite("Retained messages on disk (broker-retained.mqtt)")
struct RetainedFileTests {
    static func message(_ topic: String, _ text: String, qos: QoS = .atMostOnce, expiresAt: Duration? = nil) -> BrokerMessage {
        var props = MQTTProperties()
        props.contentType = "application/json"
        props.responseTopic = "reply/\(topic)"
        props.correlationData = [1, 2, 3]
        props.userProperties = [UserProperty("k", "v")]
        return BrokerMessage(topic: topic, payload: ByteBuffer(string: text), qos: qos, retain: true, properties: props, expiresAt: expiresAt)
    }

    @Test("topic, payload, QoS and properties read back; expiry counts only the time the broker runs")
    func roundTrip() throws {
        let messages = [Self.message("a/b", "{\"t\":21.5}"), Self.message("c", "x", qos: .atLeastOnce, expiresAt: .seconds(110))]
        let bytes = RetainedFile.encode(messages, now: .seconds(100))          // 10 s left on the second
        let back = try RetainedFile.decode(bytes, now: .seconds(5_000))
        #expect(back.count == 2)
        let byTopic = Dictionary(uniqueKeysWithValues: back.map { ($0.topic, $0) })
        let a = try #require(byTopic["a/b"])
        #expect(a.payload == ByteBuffer(string: "{\"t\":21.5}") && a.retain && a.qos == .atMostOnce && a.expiresAt == nil)
        #expect(a.properties.contentType == "application/json" && a.properties.responseTopic == "reply/a/b")
        #expect(a.properties.correlationData == [1, 2, 3] && a.properties.userProperties == [UserProperty("k", "v")])
        let c = try #require(byTopic["c"])
        #expect(c.qos == .atLeastOnce && c.expiresAt == .seconds(5_010))
        #expect(c.publisherClientID == nil)
        // Expired messages are not written; an empty set is a valid file.
        #expect(try RetainedFile.decode(RetainedFile.encode(messages, now: .seconds(110)), now: .zero).map(\.topic) == ["a/b"])
        #expect(try RetainedFile.decode(RetainedFile.encode([], now: .zero), now: .zero).isEmpty)
    }

    @Test("a damaged file is refused whole, with the reason")
    func hostile() throws {
        let good = RetainedFile.encode([Self.message("a/b", "one"), Self.message("c/d", "two")], now: .zero)
        let bytes = Array(good.readableBytesView)
        // Cut anywhere but at a packet boundary (the header alone, or after the first message,
        // is a valid file), the file is refused.
        let boundaries = [5, RetainedFile.encode([Self.message("a/b", "one")], now: .zero).readableBytes]
        for n in 0..<bytes.count where !boundaries.contains(n) {
            #expect(throws: RetainedFile.ReadError.self) { try RetainedFile.decode(ByteBuffer(bytes: bytes.prefix(n)), now: .zero) }
        }
        func expectError(_ b: [UInt8], _ expected: RetainedFile.ReadError) {
            #expect(throws: expected) { try RetainedFile.decode(ByteBuffer(bytes: b), now: .zero) }
        }
        expectError(Array("NOPE".utf8) + bytes.dropFirst(4), .badHeader)
        var v = bytes; v[4] = 2
        expectError(v, .unsupportedVersion(2))
        func file(_ packet: MQTTPacket) -> [UInt8] {
            var out = ByteBuffer(bytes: RetainedFile.magic + [1])
            packet.encode(into: &out, version: .v5)
            return Array(out.readableBytesView)
        }
        expectError(file(.pingreq), .notRetainedPublish(index: 0))
        expectError(file(.publish(PublishPacket(topic: "a", payload: ByteBuffer(string: "x"), retain: false))), .notRetainedPublish(index: 0))
        expectError(file(.publish(PublishPacket(topic: "a", payload: ByteBuffer(), retain: true))), .notRetainedPublish(index: 0))
        // The MQTT decoder refuses a wildcard topic name itself, as it does from the network.
        expectError(file(.publish(PublishPacket(topic: "a/+", payload: ByteBuffer(string: "x"), retain: true))),
                    .packet(index: 0, .invalidTopicName("a/+")))
        // An empty topic name without a Topic Alias is refused by the decoder too.
        expectError(file(.publish(PublishPacket(topic: "", payload: ByteBuffer(string: "x"), retain: true))),
                    .packet(index: 0, .invalidTopicName("")))
        expectError(bytes + [0x30], .truncated(index: 2))
        #expect(throws: RetainedFile.ReadError.self) { try RetainedFile.decode(ByteBuffer(bytes: bytes + [0x00, 0x00]), now: .zero) }
    }
}
