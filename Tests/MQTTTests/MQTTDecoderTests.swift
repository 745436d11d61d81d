import MQTT
import NIOCore
import NIOTestUtils
import Testing

/// Packets covering every type and the optional fields, for round trips in both versions.
func samplePackets(_ v: ProtocolVersion) -> [MQTTPacket] {
    var props = MQTTProperties()
    if v == .v5 {
        props.userProperties = [UserProperty("a", "1"), UserProperty("a", "2")]
        props.contentType = "application/json"
        props.responseTopic = "reply/here"
        props.correlationData = [1, 2, 3]
        props.messageExpiryInterval = 30
        props.payloadFormatIndicator = 1
    }
    var connectProps = MQTTProperties()
    var willProps = MQTTProperties()
    var ackProps = MQTTProperties()
    if v == .v5 {
        connectProps.sessionExpiryInterval = 3600
        connectProps.receiveMaximum = 10
        connectProps.topicAliasMaximum = 5
        willProps.willDelayInterval = 5
        ackProps.reasonString = "because"
    }
    let payload = ByteBuffer(bytes: Array(0..<200).map { UInt8($0 & 0xFF) })
    return [
        .connect(ConnectPacket(protocolVersion: v, clientIdentifier: "client-1", cleanStart: false, keepAlive: 30,
                               username: "user", password: [0, 1, 2],
                               will: WillMessage(topic: "will/t", payload: ByteBuffer(string: "bye"), qos: .atLeastOnce,
                                                 retain: true, properties: willProps),
                               properties: connectProps)),
        .connect(ConnectPacket(protocolVersion: v, clientIdentifier: "", cleanStart: true, keepAlive: 0)),
        .connack(ConnAckPacket(sessionPresent: true, reasonCode: .success, properties: v == .v5 ? ackProps : .init())),
        .publish(PublishPacket(topic: "a/b", payload: payload, qos: .atMostOnce, properties: props)),
        .publish(PublishPacket(topic: "a/b/c", payload: ByteBuffer(), qos: .atLeastOnce, retain: true, dup: true,
                               packetIdentifier: 1, properties: props)),
        .publish(PublishPacket(topic: "x", payload: ByteBuffer(string: "q2"), qos: .exactlyOnce, packetIdentifier: 65535)),
        .puback(AckPacket(packetIdentifier: 7)),
        .pubrec(AckPacket(packetIdentifier: 8, reasonCode: v == .v5 ? .notAuthorized : .success)),
        .pubrel(AckPacket(packetIdentifier: 9)),
        .pubcomp(AckPacket(packetIdentifier: 10, reasonCode: .success, properties: ackProps)),
        .subscribe(SubscribePacket(packetIdentifier: 11, subscriptions: [
            Subscription(topicFilter: "a/+/c", options: SubscriptionOptions(qos: .exactlyOnce)),
            Subscription(topicFilter: "$share/g/#", options: SubscriptionOptions(
                qos: .atLeastOnce, noLocal: v == .v5, retainAsPublished: v == .v5, retainHandling: v == .v5 ? 2 : 0)),
        ])),
        .suback(SubAckPacket(packetIdentifier: 11, reasonCodes: [.grantedQoS2, .grantedQoS1, .unspecifiedError])),
        .unsubscribe(UnsubscribePacket(packetIdentifier: 12, topicFilters: ["a/+/c", "b"])),
        .unsuback(SubAckPacket(packetIdentifier: 12, reasonCodes: v == .v5 ? [.success, .noSubscriptionExisted] : [])),
        .pingreq,
        .pingresp,
        .disconnect(DisconnectPacket()),
    ] + (v == .v5 ? [
        .disconnect(DisconnectPacket(reasonCode: .disconnectWithWillMessage, properties: ackProps)),
        .auth(DisconnectPacket(reasonCode: ReasonCode(rawValue: 0x18), properties: ackProps)),
    ] : [])
}

func encode(_ packets: [MQTTPacket], _ v: ProtocolVersion) -> ByteBuffer {
    var b = ByteBuffer()
    for p in packets { p.encode(into: &b, version: v) }
    return b
}

/// Decodes everything in `bytes`, feeding `chunk` bytes at a time.
func decodeAll(_ bytes: ByteBuffer, version: ProtocolVersion?, chunk: Int) throws -> [MQTTPacket] {
    var decoder = MQTTDecoder(version: version)
    var pending = ByteBuffer()
    var input = bytes
    var out: [MQTTPacket] = []
    while input.readableBytes > 0 {
        var piece = input.readSlice(length: min(chunk, input.readableBytes))!
        pending.writeBuffer(&piece)
        while let p = try decoder.next(from: &pending) { out.append(p) }
    }
    return out
}

@Suite("MQTT codec")
struct MQTTCodecTests {
    @Test("round trip, whole / byte by byte / concatenated", arguments: [ProtocolVersion.v311, .v5])
    func roundTrip(version: ProtocolVersion) throws {
        let packets = samplePackets(version)
        for p in packets {
            let bytes = encode([p], version)
            #expect(bytes.readableBytes == p.encodedSize(version: version))
            #expect(try decodeAll(bytes, version: version, chunk: .max) == [p])
            #expect(try decodeAll(bytes, version: version, chunk: 1) == [p])
        }
        let all = encode(packets, version)
        #expect(try decodeAll(all, version: version, chunk: .max) == packets)
        #expect(try decodeAll(all, version: version, chunk: 1) == packets)
        #expect(try decodeAll(all, version: version, chunk: 7) == packets)
    }

    @Test("NIOTestUtils ByteToMessageDecoderVerifier", arguments: [ProtocolVersion.v311, .v5])
    func verifier(version: ProtocolVersion) throws {
        let pairs = samplePackets(version).map { (encode([$0], version), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { MQTTDecoder(version: version) }
    }

    @Test("a server decoder learns the version from CONNECT")
    func learnsVersion() throws {
        for v in [ProtocolVersion.v311, .v5] {
            let packets: [MQTTPacket] = [.connect(ConnectPacket(protocolVersion: v, clientIdentifier: "c")),
                                         .puback(AckPacket(packetIdentifier: 3, reasonCode: .success))]
            var decoder = MQTTDecoder()
            var b = encode(packets, v)
            #expect(try decoder.next(from: &b) == packets[0])
            #expect(decoder.version == v)
            #expect(try decoder.next(from: &b) == packets[1])
        }
    }

    // MQTT 5.0 §1.5.5, table 1-1 (Size of Variable Byte Integer): boundary values.
    @Test("variable byte integer boundaries", arguments: [
        (0, [0x00]), (127, [0x7F]), (128, [0x80, 0x01]), (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
        (2_097_151, [0xFF, 0xFF, 0x7F]), (2_097_152, [0x80, 0x80, 0x80, 0x01]), (268_435_455, [0xFF, 0xFF, 0xFF, 0x7F]),
    ] as [(Int, [UInt8])])
    func remainingLength(value: Int, bytes: [UInt8]) throws {
        if value == 0 {
            var b = ByteBuffer()
            MQTTPacket.pingreq.encode(into: &b, version: .v311)
            #expect(Array(b.readableBytesView) == [0xC0] + bytes)
            return
        }
        if value < 3_000_000 && value >= 3 {
            // A PUBLISH of topic "t" (3 bytes) plus payload has exactly `value` remaining bytes.
            let p = MQTTPacket.publish(PublishPacket(topic: "t", payload: ByteBuffer(repeating: 0, count: value - 3)))
            var b = ByteBuffer()
            p.encode(into: &b, version: .v311)
            #expect(b.getBytes(at: 1, length: bytes.count) == bytes)
            var d = MQTTDecoder(version: .v311, maximumPacketSize: 1 << 30)
            #expect(try d.next(from: &b) == p)
        }
        // The header alone parses and the decoder waits for the body.
        var header = ByteBuffer(bytes: [0x30] + bytes)
        var d = MQTTDecoder(version: .v311, maximumPacketSize: 1 << 30)
        #expect(try d.next(from: &header) == nil)
        #expect(header.readableBytes == 0)
    }

    // Known vector: MQTT 3.1.1 §3.12 PINGREQ is C0 00; §3.14 DISCONNECT is E0 00; a 3.1.1 CONNECT with
    // the spec's example variable header (§3.1.2.10: level 4, flags 0xCE, keep alive 10).
    @Test("known byte vectors")
    func vectors() throws {
        var b = ByteBuffer(bytes: [0xC0, 0x00, 0xE0, 0x00])
        var d = MQTTDecoder(version: .v311)
        #expect(try d.next(from: &b) == .pingreq)
        #expect(try d.next(from: &b) == .disconnect(DisconnectPacket()))
        let connect: [UInt8] = [0x10, 0x1A, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0xCE, 0x00, 0x0A,
                                0x00, 0x01, 0x63,                    // client id "c"
                                0x00, 0x01, 0x77, 0x00, 0x01, 0x78,  // will topic "w", will payload "x"
                                0x00, 0x01, 0x75, 0x00, 0x02, 0x70, 0x77]  // user "u", password "pw"
        var c = ByteBuffer(bytes: connect)
        var server = MQTTDecoder()
        let packet = try #require(try server.next(from: &c))
        guard case .connect(let p) = packet else { Issue.record("not CONNECT"); return }
        #expect(p.protocolVersion == .v311 && p.keepAlive == 10 && p.cleanStart && p.clientIdentifier == "c")
        #expect(p.will?.qos == .atLeastOnce && p.will?.retain == false && p.will?.topic == "w")
        #expect(p.username == "u" && p.password == Array("pw".utf8))
    }

    static let v5Connect: [UInt8] = [0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x00]

    @Test("malformed input gives a typed error", arguments: [
        ([0x00, 0x00], MQTTError.reservedPacketType(0)),
        ([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], .malformedRemainingLength),
        ([0x31 | 0x06, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], .invalidQoS(3)),
        ([0x38, 0x03, 0x00, 0x01, 0x61], .invalidFixedHeaderFlags(packetType: 3, flags: 8)),  // DUP with QoS 0
        ([0x32, 0x03, 0x00, 0x01, 0x61], .truncated(field: "Packet Identifier")),
        ([0x30, 0x04, 0x00, 0x01, 0x2B, 0x00], .invalidTopicName("+")),
        ([0x30, 0x04, 0x00, 0x02, 0xC3, 0x28], .invalidUTF8(field: "Topic Name")),
        ([0x30, 0x03, 0x00, 0x01, 0x00], .invalidUTF8(field: "Topic Name")),
        ([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00], .invalidFixedHeaderFlags(packetType: 8, flags: 0)),
        ([0x82, 0x02, 0x00, 0x01], .invalidField(field: "SUBSCRIBE", reason: "no topic filter")),
        ([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x03], .invalidQoS(3)),
        ([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x04], .invalidField(field: "Requested QoS", reason: "reserved bits set")),
        ([0x40, 0x02, 0x00, 0x00], .invalidField(field: "Packet Identifier", reason: "must not be 0")),
        ([0x40, 0x03, 0x00, 0x01, 0x00], .trailingBytes(count: 1)),
        ([0xC0, 0x01, 0x00], .trailingBytes(count: 1)),
        ([0xF0, 0x00], .reservedPacketType(15)),
    ] as [([UInt8], MQTTError)])
    func malformed311(bytes: [UInt8], error: MQTTError) {
        var d = MQTTDecoder(version: .v311)
        var b = ByteBuffer(bytes: bytes)
        #expect(throws: error) { _ = try d.next(from: &b) }
    }

    @Test("malformed 5.0 properties", arguments: [
        // PUBLISH with a Session Expiry property (not allowed in PUBLISH).
        ([0x30, 0x09, 0x00, 0x01, 0x61, 0x05, 0x11, 0x00, 0x00, 0x00, 0x01], MQTTError.invalidProperty(identifier: 0x11, packet: "PUBLISH")),
        // Content Type twice.
        ([0x30, 0x0B, 0x00, 0x01, 0x61, 0x07, 0x03, 0x00, 0x01, 0x61, 0x03, 0x00, 0x00], .duplicateProperty(identifier: 0x03)),
        // Property length beyond the packet.
        ([0x30, 0x04, 0x00, 0x01, 0x61, 0x09], .truncated(field: "properties")),
        // Empty topic without a topic alias.
        ([0x30, 0x03, 0x00, 0x00, 0x00], .invalidTopicName("")),
        // Topic Alias 0.
        ([0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x00], .invalidField(field: "Topic Alias", reason: "must not be 0")),
        // SUBSCRIBE with Retain Handling 3.
        ([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x30], .invalidField(field: "Retain Handling", reason: "value 3 is reserved")),
    ] as [([UInt8], MQTTError)])
    func malformed5(bytes: [UInt8], error: MQTTError) {
        var d = MQTTDecoder(version: .v5)
        var b = ByteBuffer(bytes: bytes)
        #expect(throws: error) { _ = try d.next(from: &b) }
    }

    @Test("CONNECT errors")
    func connectErrors() {
        func decode(_ bytes: [UInt8]) throws(MQTTError) {
            var d = MQTTDecoder()
            var b = ByteBuffer(bytes: bytes)
            _ = try d.next(from: &b)
        }
        #expect(throws: MQTTError.unexpectedPacket("the first packet must be CONNECT")) { try decode([0x30, 0x00]) }
        var v6 = Self.v5Connect; v6[8] = 6
        #expect(throws: MQTTError.unsupportedProtocolVersion(6)) { try decode(v6) }
        var reserved = Self.v5Connect; reserved[9] = 0x03
        #expect(throws: MQTTError.invalidField(field: "Connect Flags", reason: "reserved bit set")) { try decode(reserved) }
        var name = Self.v5Connect; name[4] = 0x4E
        #expect(throws: MQTTError.invalidProtocolName("NQTT")) { try decode(name) }
        var willQoS = Self.v5Connect; willQoS[9] = 0x02 | 0x08
        #expect(throws: MQTTError.invalidField(field: "Connect Flags", reason: "will QoS or retain set without the will flag")) { try decode(willQoS) }
        #expect(throws: Never.self) { try decode(Self.v5Connect) }
    }

    @Test("packets above the maximum size are refused before the body arrives")
    func tooLarge() {
        var d = MQTTDecoder(version: .v5, maximumPacketSize: 100)
        var b = ByteBuffer(bytes: [0x30, 0xE8, 0x07])  // remaining length 1000, no body yet
        #expect(throws: MQTTError.packetTooLarge(size: 1003, maximum: 100)) { _ = try d.next(from: &b) }
        #expect(MQTTError.packetTooLarge(size: 1003, maximum: 100).reasonCode == .packetTooLarge)
    }

    @Test("3.1.1 encodes failure SUBACK codes as 0x80 and CONNACK codes as return codes")
    func v311Mapping() {
        var b = ByteBuffer()
        MQTTPacket.suback(SubAckPacket(packetIdentifier: 1, reasonCodes: [.notAuthorized, .grantedQoS1])).encode(into: &b, version: .v311)
        #expect(Array(b.readableBytesView) == [0x90, 0x04, 0x00, 0x01, 0x80, 0x01])
        b.clear()
        MQTTPacket.connack(ConnAckPacket(reasonCode: .badUserNameOrPassword)).encode(into: &b, version: .v311)
        #expect(Array(b.readableBytesView) == [0x20, 0x02, 0x00, 0x04])
    }
}
