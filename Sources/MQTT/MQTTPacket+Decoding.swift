public import NIOCore

extension MQTTPacket {
    /// Parses one packet body (everything after the fixed header).
    ///
    /// - Parameters:
    ///   - fixedHeader: the first byte of the packet (type in the high nibble, flags in the low).
    ///   - body: exactly the packet's remaining-length bytes.
    ///   - version: the connection's protocol version; ignored for CONNECT, which carries its own.
    /// - Throws: ``MQTTError`` saying what is wrong; never traps on hostile input.
    public static func decode(fixedHeader: UInt8, body: ByteBuffer, version: ProtocolVersion) throws(MQTTError) -> MQTTPacket {
        var noCache: String?
        return try decode(fixedHeader: fixedHeader, body: body, version: version, lastTopic: &noCache)
    }

    /// As ``decode(fixedHeader:body:version:)``, reusing `lastTopic` when a PUBLISH names the same
    /// topic as the previous one on the connection (no new string, no second validation), and
    /// remembering the topic of each valid PUBLISH there.
    static func decode(fixedHeader: UInt8, body: ByteBuffer, version: ProtocolVersion,
                       lastTopic: inout String?) throws(MQTTError) -> MQTTPacket {
        guard let type = PacketType(rawValue: fixedHeader >> 4) else { throw .reservedPacketType(fixedHeader >> 4) }
        let flags = fixedHeader & 0x0F
        if let required = type.requiredFlags, flags != required {
            throw .invalidFixedHeaderFlags(packetType: type.rawValue, flags: flags)
        }
        if type == .auth && version != .v5 { throw .reservedPacketType(type.rawValue) }
        var b = body
        let packet: MQTTPacket
        switch type {
        case .connect: packet = .connect(try decodeConnect(&b))
        case .connack:
            let ackFlags = try b.readMQTTByte("Connect Acknowledge Flags")
            guard ackFlags & 0xFE == 0 else { throw .invalidField(field: "Connect Acknowledge Flags", reason: "reserved bits set") }
            let code = try b.readMQTTByte("Connect Reason Code")
            let props = version == .v5 ? try MQTTProperties.decode(from: &b, context: .packet(.connack)) : MQTTProperties()
            let reason: ReasonCode
            if version == .v5 {
                reason = ReasonCode(rawValue: code)
            } else {
                // MQTT 3.1.1 §3.2.2.3 return codes 0–5.
                let map: [ReasonCode] = [.success, .unsupportedProtocolVersion, .clientIdentifierNotValid, .serverUnavailable,
                                         .badUserNameOrPassword, .notAuthorized]
                guard Int(code) < map.count else { throw .invalidField(field: "Connect Return Code", reason: "value \(code) is reserved") }
                reason = map[Int(code)]
            }
            packet = .connack(ConnAckPacket(sessionPresent: ackFlags & 1 == 1, reasonCode: reason, properties: props))
        case .publish: packet = .publish(try decodePublish(flags: flags, &b, version: version, lastTopic: &lastTopic))
        case .puback, .pubrec, .pubrel, .pubcomp:
            let id = try b.readMQTTUInt16("Packet Identifier")
            guard id != 0 else { throw .invalidField(field: "Packet Identifier", reason: "must not be 0") }
            var ack = AckPacket(packetIdentifier: id)
            if version == .v5 && b.readableBytes > 0 {
                ack.reasonCode = ReasonCode(rawValue: try b.readMQTTByte("Reason Code"))
                if b.readableBytes > 0 { ack.properties = try MQTTProperties.decode(from: &b, context: .packet(type)) }
            }
            switch type {
            case .puback: packet = .puback(ack)
            case .pubrec: packet = .pubrec(ack)
            case .pubrel: packet = .pubrel(ack)
            default: packet = .pubcomp(ack)
            }
        case .subscribe:
            let id = try b.readMQTTUInt16("Packet Identifier")
            guard id != 0 else { throw .invalidField(field: "Packet Identifier", reason: "must not be 0") }
            let props = version == .v5 ? try MQTTProperties.decode(from: &b, context: .packet(.subscribe)) : MQTTProperties()
            var subs: [Subscription] = []
            while b.readableBytes > 0 {
                let filter = try b.readMQTTString("Topic Filter")
                let o = try b.readMQTTByte("Subscription Options")
                guard o & 0x03 != 3 else { throw .invalidQoS(3) }
                let qos = QoS(rawValue: o & 0x03) ?? .atMostOnce
                if version == .v5 {
                    guard o & 0xC0 == 0 else { throw .invalidField(field: "Subscription Options", reason: "reserved bits set") }
                    let rh = (o >> 4) & 0x03
                    guard rh != 3 else { throw .invalidField(field: "Retain Handling", reason: "value 3 is reserved") }
                    subs.append(Subscription(topicFilter: filter, options: SubscriptionOptions(
                        qos: qos, noLocal: o & 0x04 != 0, retainAsPublished: o & 0x08 != 0, retainHandling: rh)))
                } else {
                    guard o & 0xFC == 0 else { throw .invalidField(field: "Requested QoS", reason: "reserved bits set") }
                    subs.append(Subscription(topicFilter: filter, options: SubscriptionOptions(qos: qos)))
                }
            }
            guard !subs.isEmpty else { throw .invalidField(field: "SUBSCRIBE", reason: "no topic filter") }
            packet = .subscribe(SubscribePacket(packetIdentifier: id, subscriptions: subs, properties: props))
        case .suback, .unsuback:
            let id = try b.readMQTTUInt16("Packet Identifier")
            let props = version == .v5 ? try MQTTProperties.decode(from: &b, context: .packet(type)) : MQTTProperties()
            var codes: [ReasonCode] = []
            while let c = b.readInteger(as: UInt8.self) { codes.append(ReasonCode(rawValue: c)) }
            let ack = SubAckPacket(packetIdentifier: id, reasonCodes: codes, properties: props)
            packet = type == .suback ? .suback(ack) : .unsuback(ack)
        case .unsubscribe:
            let id = try b.readMQTTUInt16("Packet Identifier")
            guard id != 0 else { throw .invalidField(field: "Packet Identifier", reason: "must not be 0") }
            let props = version == .v5 ? try MQTTProperties.decode(from: &b, context: .packet(.unsubscribe)) : MQTTProperties()
            var filters: [String] = []
            while b.readableBytes > 0 { filters.append(try b.readMQTTString("Topic Filter")) }
            guard !filters.isEmpty else { throw .invalidField(field: "UNSUBSCRIBE", reason: "no topic filter") }
            packet = .unsubscribe(UnsubscribePacket(packetIdentifier: id, topicFilters: filters, properties: props))
        case .pingreq: packet = .pingreq
        case .pingresp: packet = .pingresp
        case .disconnect, .auth:
            var d = DisconnectPacket()
            if version == .v5 && b.readableBytes > 0 {
                d.reasonCode = ReasonCode(rawValue: try b.readMQTTByte("Reason Code"))
                if b.readableBytes > 0 { d.properties = try MQTTProperties.decode(from: &b, context: .packet(type)) }
            }
            packet = type == .disconnect ? .disconnect(d) : .auth(d)
        }
        guard b.readableBytes == 0 else { throw .trailingBytes(count: b.readableBytes) }
        return packet
    }

    static func decodeConnect(_ b: inout ByteBuffer) throws(MQTTError) -> ConnectPacket {
        let name = try b.readMQTTString("Protocol Name")
        let level = try b.readMQTTByte("Protocol Level")
        guard name == "MQTT" else {
            // 3.1 clients send "MQIsdp" with level 3: answer "unsupported protocol version".
            if name == "MQIsdp" { throw .unsupportedProtocolVersion(level) }
            throw .invalidProtocolName(name)
        }
        guard let version = ProtocolVersion(rawValue: level) else { throw .unsupportedProtocolVersion(level) }
        let flags = try b.readMQTTByte("Connect Flags")
        // MQTT 5.0 §3.1.2.3: the reserved bit must be zero.
        guard flags & 0x01 == 0 else { throw .invalidField(field: "Connect Flags", reason: "reserved bit set") }
        let keepAlive = try b.readMQTTUInt16("Keep Alive")
        let props = version == .v5 ? try MQTTProperties.decode(from: &b, context: .packet(.connect)) : MQTTProperties()
        let clientID = try b.readMQTTString("Client Identifier")
        let willFlag = flags & 0x04 != 0
        let willQoSBits = (flags >> 3) & 0x03
        let willRetain = flags & 0x20 != 0
        var will: WillMessage?
        if willFlag {
            guard let willQoS = QoS(rawValue: willQoSBits) else { throw .invalidQoS(willQoSBits) }
            let willProps = version == .v5 ? try MQTTProperties.decode(from: &b, context: .will) : MQTTProperties()
            let topic = try b.readMQTTString("Will Topic")
            guard TopicName.isValid(topic) else { throw .invalidTopicName(topic) }
            let length = Int(try b.readMQTTUInt16("Will Payload"))
            guard let payload = b.readSlice(length: length) else { throw .truncated(field: "Will Payload") }
            will = WillMessage(topic: topic, payload: payload, qos: willQoS, retain: willRetain, properties: willProps)
        } else if willQoSBits != 0 || willRetain {
            throw .invalidField(field: "Connect Flags", reason: "will QoS or retain set without the will flag")
        }
        var username: String?
        if flags & 0x80 != 0 { username = try b.readMQTTString("User Name") }
        var password: [UInt8]?
        if flags & 0x40 != 0 {
            // MQTT 3.1.1 §3.1.2.9: a password requires a user name.
            if version == .v311 && username == nil {
                throw .invalidField(field: "Connect Flags", reason: "password flag without user name flag")
            }
            password = try b.readMQTTBinary("Password")
        }
        return ConnectPacket(protocolVersion: version, clientIdentifier: clientID, cleanStart: flags & 0x02 != 0,
                             keepAlive: keepAlive, username: username, password: password, will: will, properties: props)
    }

    static func decodePublish(flags: UInt8, _ b: inout ByteBuffer, version: ProtocolVersion,
                              lastTopic: inout String?) throws(MQTTError) -> PublishPacket {
        let qosBits = (flags >> 1) & 0x03
        guard let qos = QoS(rawValue: qosBits) else { throw .invalidQoS(qosBits) }
        let dup = flags & 0x08 != 0
        // MQTT 5.0 §3.3.1.1: DUP must be 0 for QoS 0.
        if qos == .atMostOnce && dup { throw .invalidFixedHeaderFlags(packetType: 3, flags: flags) }
        let length = Int(try b.readMQTTUInt16("Topic Name"))
        guard let topicBytes = b.readSlice(length: length) else { throw .truncated(field: "Topic Name") }
        let cached = lastTopic.flatMap { $0.utf8.count == length && topicBytes.hasBytes(of: $0) ? $0 : nil }
        var topic = cached ?? ""
        if cached == nil {
            var view = topicBytes
            topic = try view.readMQTTStringBody("Topic Name")
        }
        var id: UInt16?
        if qos != .atMostOnce {
            let v = try b.readMQTTUInt16("Packet Identifier")
            guard v != 0 else { throw .invalidField(field: "Packet Identifier", reason: "must not be 0") }
            id = v
        }
        let props = version == .v5 ? try MQTTProperties.decode(from: &b, context: .packet(.publish)) : MQTTProperties()
        if topic.isEmpty {
            // MQTT 5.0 §3.3.2.1: a zero-length topic needs a Topic Alias.
            guard version == .v5, props.topicAlias != nil else { throw .invalidTopicName(topic) }
        } else if cached == nil {
            guard TopicName.isValid(topic) else { throw .invalidTopicName(topic) }
            lastTopic = topic
        }
        let payload = b.readSlice(length: b.readableBytes) ?? ByteBuffer()
        return PublishPacket(topic: topic, payload: payload, qos: qos, retain: flags & 0x01 != 0, dup: dup,
                             packetIdentifier: id, properties: props)
    }
}
