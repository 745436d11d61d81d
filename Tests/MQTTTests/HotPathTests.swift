@testable import MQTT
import NIOCore
import Testing

/// The representation choices made for the broker's hot path keep value semantics and decoding
/// behaviour: copy-on-write properties, and the decoder's reuse of the previous PUBLISH topic.
@Suite("MQTT hot path")
struct HotPathTests {
    @Test("properties are values: a copy does not see later changes, in either direction")
    func propertiesCopyOnWrite() {
        var a = MQTTProperties()
        a.contentType = "text/plain"
        a.userProperties.append(UserProperty("k", "1"))
        var b = a
        b.userProperties.append(UserProperty("k", "2"))
        b.contentType = nil
        #expect(a.contentType == "text/plain")
        #expect(a.userProperties == [UserProperty("k", "1")])
        #expect(b.contentType == nil)
        #expect(b.userProperties.count == 2)
        a.messageExpiryInterval = 5
        #expect(b.messageExpiryInterval == nil)
    }

    @Test("an emptied property set equals and hashes like a fresh one")
    func propertiesEmptyEquality() {
        var p = MQTTProperties()
        p.topicAlias = 3
        #expect(!p.isEmpty)
        p.topicAlias = nil
        #expect(p.isEmpty)
        #expect(p == MQTTProperties())
        #expect(p.hashValue == MQTTProperties().hashValue)
        var q = MQTTProperties()
        q.subscriptionIdentifiers = []
        q.reasonString = nil
        #expect(q == MQTTProperties())
        var r = MQTTProperties()
        r.subscriptionIdentifiers = [7]
        #expect(r != MQTTProperties())
        #expect(r.encodedLength == 2)
    }

    private func decodeAll(_ packets: [PublishPacket], version: ProtocolVersion) throws -> [MQTTPacket] {
        var decoder = MQTTDecoder(version: version)
        var buffer = ByteBuffer()
        for p in packets { MQTTPacket.publish(p).encode(into: &buffer, version: version) }
        var out: [MQTTPacket] = []
        while let p = try decoder.next(from: &buffer) { out.append(p) }
        return out
    }

    @Test("repeated, changed and same-length topics decode to the topic on the wire", arguments: [ProtocolVersion.v311, .v5])
    func topicReuse(version: ProtocolVersion) throws {
        let topics = ["a/b/c", "a/b/c", "a/b/d", "a/b/d", "x", "a/b/c", "ä/ö", "ä/ö"]
        let packets = topics.enumerated().map { i, t in
            PublishPacket(topic: t, payload: ByteBuffer(string: "\(i)"), qos: .atLeastOnce, packetIdentifier: UInt16(i + 1))
        }
        let decoded = try decodeAll(packets, version: version)
        #expect(decoded == packets.map { .publish($0) })
    }

    @Test("an invalid topic after a valid one is still refused")
    func invalidAfterCached() throws {
        var decoder = MQTTDecoder(version: .v311)
        var buffer = ByteBuffer()
        MQTTPacket.publish(PublishPacket(topic: "a/b", payload: ByteBuffer())).encode(into: &buffer, version: .v311)
        _ = try decoder.next(from: &buffer)
        // Same length as the cached topic, but with a wildcard (MQTT 5.0 §4.7.3).
        buffer.writeBytes([0x30, 5, 0, 3] + Array("a/+".utf8))
        #expect(throws: MQTTError.self) { _ = try decoder.next(from: &buffer) }
    }

    @Test("a 5.0 PUBLISH with an empty topic and an alias keeps the remembered topic untouched")
    func aliasEmptyTopic() throws {
        var props = MQTTProperties()
        props.topicAlias = 1
        let packets = [
            PublishPacket(topic: "t/1", payload: ByteBuffer(string: "a")),
            PublishPacket(topic: "", payload: ByteBuffer(string: "b"), properties: props),
            PublishPacket(topic: "t/1", payload: ByteBuffer(string: "c")),
        ]
        let decoded = try decodeAll(packets, version: .v5)
        #expect(decoded == packets.map { .publish($0) })
    }
}
