public import NIOCore

// Encoding: fixed header (type << 4 | flags, remaining length as a variable byte integer), then the
// variable header and payload of each packet as laid out in MQTT 5.0 chapter 3 (3.1.1 omits the
// property blocks and the reason codes of acknowledgements and DISCONNECT).
//
//   byte 0      : packet type (high nibble) | flags (low nibble)
//   bytes 1..4  : remaining length N (variable byte integer, 1–4 bytes)
//   N bytes     : variable header (+ properties in 5.0) and payload

extension MQTTPacket {
    /// The number of bytes the packet takes on the wire, fixed header included.
    public func encodedSize(version: ProtocolVersion) -> Int {
        let n = bodySize(version: version)
        return 1 + variableIntegerSize(n) + n
    }

    /// Appends the packet's bytes to `buffer`.
    public func encode(into buffer: inout ByteBuffer, version: ProtocolVersion) {
        let bodyLength = bodySize(version: version)
        buffer.reserveCapacity(minimumWritableBytes: 5 + bodyLength)
        buffer.writeInteger(type.rawValue << 4 | fixedHeaderFlags)
        buffer.writeMQTTVariableInteger(bodyLength)
        let v5 = version == .v5
        switch self {
        case .connect(let c):
            buffer.writeMQTTString("MQTT")
            buffer.writeInteger(c.protocolVersion.rawValue)
            var flags: UInt8 = c.cleanStart ? 0x02 : 0
            if let w = c.will {
                flags |= 0x04 | (w.qos.rawValue << 3) | (w.retain ? 0x20 : 0)
            }
            if c.password != nil { flags |= 0x40 }
            if c.username != nil { flags |= 0x80 }
            buffer.writeInteger(flags)
            buffer.writeMQTTUInt16(c.keepAlive)
            if c.protocolVersion == .v5 { c.properties.encode(into: &buffer) }
            buffer.writeMQTTString(c.clientIdentifier)
            if let w = c.will {
                if c.protocolVersion == .v5 { w.properties.encode(into: &buffer) }
                buffer.writeMQTTString(w.topic)
                buffer.writeMQTTUInt16(UInt16(truncatingIfNeeded: w.payload.readableBytes))
                buffer.writeImmutableBuffer(w.payload)
            }
            if let u = c.username { buffer.writeMQTTString(u) }
            if let p = c.password { buffer.writeMQTTBinary(p) }
        case .connack(let a):
            buffer.writeInteger(UInt8(a.sessionPresent ? 1 : 0))
            if v5 {
                buffer.writeInteger(a.reasonCode.rawValue)
                a.properties.encode(into: &buffer)
            } else {
                buffer.writeInteger(a.reasonCode.v311ConnectReturnCode)
            }
        case .publish(let p):
            buffer.writeMQTTString(p.topic)
            if p.qos != .atMostOnce { buffer.writeMQTTUInt16(p.packetIdentifier ?? 0) }
            if v5 { p.properties.encode(into: &buffer) }
            buffer.writeImmutableBuffer(p.payload)
        case .puback(let a), .pubrec(let a), .pubrel(let a), .pubcomp(let a):
            buffer.writeMQTTUInt16(a.packetIdentifier)
            if v5 && (a.reasonCode != .success || !a.properties.isEmpty) {
                buffer.writeInteger(a.reasonCode.rawValue)
                if !a.properties.isEmpty { a.properties.encode(into: &buffer) }
            }
        case .subscribe(let s):
            buffer.writeMQTTUInt16(s.packetIdentifier)
            if v5 { s.properties.encode(into: &buffer) }
            for sub in s.subscriptions {
                buffer.writeMQTTString(sub.topicFilter)
                var o = sub.options.qos.rawValue
                if v5 {
                    if sub.options.noLocal { o |= 0x04 }
                    if sub.options.retainAsPublished { o |= 0x08 }
                    o |= (sub.options.retainHandling & 0x03) << 4
                }
                buffer.writeInteger(o)
            }
        case .suback(let a):
            buffer.writeMQTTUInt16(a.packetIdentifier)
            if v5 { a.properties.encode(into: &buffer) }
            for c in a.reasonCodes {
                // MQTT 3.1.1 §3.9.3: only 0, 1, 2 and 0x80 (failure) exist.
                buffer.writeInteger(v5 || c.rawValue <= 2 ? c.rawValue : 0x80)
            }
        case .unsuback(let a):
            buffer.writeMQTTUInt16(a.packetIdentifier)
            if v5 {
                a.properties.encode(into: &buffer)
                for c in a.reasonCodes { buffer.writeInteger(c.rawValue) }
            }
        case .unsubscribe(let u):
            buffer.writeMQTTUInt16(u.packetIdentifier)
            if v5 { u.properties.encode(into: &buffer) }
            for f in u.topicFilters { buffer.writeMQTTString(f) }
        case .pingreq, .pingresp:
            break
        case .disconnect(let d), .auth(let d):
            if v5 && (d.reasonCode != .success || !d.properties.isEmpty) {
                buffer.writeInteger(d.reasonCode.rawValue)
                if !d.properties.isEmpty { d.properties.encode(into: &buffer) }
            }
        }
    }

    var fixedHeaderFlags: UInt8 {
        switch self {
        case .publish(let p):
            return (p.dup ? 0x08 : 0) | (p.qos.rawValue << 1) | (p.retain ? 0x01 : 0)
        case .pubrel, .subscribe, .unsubscribe:
            return 0x02
        default:
            return 0
        }
    }

    func bodySize(version: ProtocolVersion) -> Int {
        let v5 = version == .v5
        switch self {
        case .connect(let c):
            var n = 6 + 1 + 1 + 2 + stringFieldSize(c.clientIdentifier)
            if c.protocolVersion == .v5 { n += c.properties.encodedSizeWithLength }
            if let w = c.will {
                if c.protocolVersion == .v5 { n += w.properties.encodedSizeWithLength }
                n += stringFieldSize(w.topic) + 2 + w.payload.readableBytes
            }
            if let u = c.username { n += stringFieldSize(u) }
            if let p = c.password { n += 2 + p.count }
            return n
        case .connack(let a):
            return 2 + (v5 ? a.properties.encodedSizeWithLength : 0)
        case .publish(let p):
            return stringFieldSize(p.topic) + (p.qos != .atMostOnce ? 2 : 0)
                + (v5 ? p.properties.encodedSizeWithLength : 0) + p.payload.readableBytes
        case .puback(let a), .pubrec(let a), .pubrel(let a), .pubcomp(let a):
            guard v5 && (a.reasonCode != .success || !a.properties.isEmpty) else { return 2 }
            return 3 + (a.properties.isEmpty ? 0 : a.properties.encodedSizeWithLength)
        case .subscribe(let s):
            return 2 + (v5 ? s.properties.encodedSizeWithLength : 0)
                + s.subscriptions.reduce(0) { $0 + stringFieldSize($1.topicFilter) + 1 }
        case .suback(let a):
            return 2 + (v5 ? a.properties.encodedSizeWithLength : 0) + a.reasonCodes.count
        case .unsuback(let a):
            return 2 + (v5 ? a.properties.encodedSizeWithLength + a.reasonCodes.count : 0)
        case .unsubscribe(let u):
            return 2 + (v5 ? u.properties.encodedSizeWithLength : 0) + u.topicFilters.reduce(0) { $0 + stringFieldSize($1) }
        case .pingreq, .pingresp:
            return 0
        case .disconnect(let d), .auth(let d):
            guard v5 && (d.reasonCode != .success || !d.properties.isEmpty) else { return 0 }
            return 1 + (d.properties.isEmpty ? 0 : d.properties.encodedSizeWithLength)
        }
    }
}
