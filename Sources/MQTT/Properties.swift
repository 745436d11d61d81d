import NIOCore

/// A user property: a name/value string pair (MQTT 5.0 §3.1.2.11.8). Order and duplicates are kept.
public struct UserProperty: Hashable, Sendable, Codable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }
}

/// The MQTT 5.0 properties of a packet (MQTT 5.0 §2.2.2, table 2-4).
///
/// Every property is optional; `nil` means absent. Decoding rejects unknown identifiers, properties
/// that table 2-4 does not allow in the packet being decoded, and repeated single-valued properties.
/// Only User Property and Subscription Identifier may repeat.
///
/// Wire layout: a variable byte integer with the length of the property bytes, then for each
/// property its identifier (a variable byte integer, always one byte for the defined ones) and
/// value (byte, two- or four-byte integer, variable byte integer, UTF-8 string, binary data or
/// string pair).
public struct MQTTProperties: Hashable, Sendable {
    /// The stored property values.
    struct Values: Hashable, Sendable {
        var payloadFormatIndicator: UInt8?
        var messageExpiryInterval: UInt32?
        var contentType: String?
        var responseTopic: String?
        var correlationData: [UInt8]?
        var subscriptionIdentifiers: [UInt32] = []
        var sessionExpiryInterval: UInt32?
        var assignedClientIdentifier: String?
        var serverKeepAlive: UInt16?
        var authenticationMethod: String?
        var authenticationData: [UInt8]?
        var requestProblemInformation: UInt8?
        var willDelayInterval: UInt32?
        var requestResponseInformation: UInt8?
        var responseInformation: String?
        var serverReference: String?
        var reasonString: String?
        var receiveMaximum: UInt16?
        var topicAliasMaximum: UInt16?
        var topicAlias: UInt16?
        var maximumQoS: UInt8?
        var retainAvailable: UInt8?
        var userProperties: [UserProperty] = []
        var maximumPacketSize: UInt32?
        var wildcardSubscriptionAvailable: UInt8?
        var subscriptionIdentifierAvailable: UInt8?
        var sharedSubscriptionAvailable: UInt8?
    }

    /// Copy-on-write storage: most packets carry no properties, and a PUBLISH is copied several
    /// times on its way through the broker, so an empty set is a `nil` reference and a non-empty
    /// one is shared until it is changed. (Held inline, the 27 optional fields made every
    /// `MQTTPacket` several hundred bytes.)
    final class Box: @unchecked Sendable {
        // Mutated only through `writable()`, which copies a shared box first.
        var values: Values
        init(_ values: Values) { self.values = values }
    }

    private var box: Box?

    public init() {}

    init(_ values: Values) {
        box = values == Values() ? nil : Box(values)
    }

    /// The values, for reading several at once.
    var values: Values { box?.values ?? Values() }

    /// The box to write into: created when absent, copied when shared.
    @inline(__always)
    private mutating func writable() -> Box {
        guard let b = box else {
            let b = Box(Values())
            box = b
            return b
        }
        if isKnownUniquelyReferenced(&box) { return b }
        let copy = Box(b.values)
        box = copy
        return copy
    }

    public var payloadFormatIndicator: UInt8? {
        get { box?.values.payloadFormatIndicator }
        set { if box == nil && newValue == nil { return }; writable().values.payloadFormatIndicator = newValue }
    }
    public var messageExpiryInterval: UInt32? {
        get { box?.values.messageExpiryInterval }
        set { if box == nil && newValue == nil { return }; writable().values.messageExpiryInterval = newValue }
    }
    public var contentType: String? {
        get { box?.values.contentType }
        set { if box == nil && newValue == nil { return }; writable().values.contentType = newValue }
    }
    public var responseTopic: String? {
        get { box?.values.responseTopic }
        set { if box == nil && newValue == nil { return }; writable().values.responseTopic = newValue }
    }
    public var correlationData: [UInt8]? {
        get { box?.values.correlationData }
        set { if box == nil && newValue == nil { return }; writable().values.correlationData = newValue }
    }
    public var subscriptionIdentifiers: [UInt32] {
        get { box?.values.subscriptionIdentifiers ?? [] }
        set { if box == nil && newValue.isEmpty { return }; writable().values.subscriptionIdentifiers = newValue }
        _modify { yield &writable().values.subscriptionIdentifiers }
    }
    public var sessionExpiryInterval: UInt32? {
        get { box?.values.sessionExpiryInterval }
        set { if box == nil && newValue == nil { return }; writable().values.sessionExpiryInterval = newValue }
    }
    public var assignedClientIdentifier: String? {
        get { box?.values.assignedClientIdentifier }
        set { if box == nil && newValue == nil { return }; writable().values.assignedClientIdentifier = newValue }
    }
    public var serverKeepAlive: UInt16? {
        get { box?.values.serverKeepAlive }
        set { if box == nil && newValue == nil { return }; writable().values.serverKeepAlive = newValue }
    }
    public var authenticationMethod: String? {
        get { box?.values.authenticationMethod }
        set { if box == nil && newValue == nil { return }; writable().values.authenticationMethod = newValue }
    }
    public var authenticationData: [UInt8]? {
        get { box?.values.authenticationData }
        set { if box == nil && newValue == nil { return }; writable().values.authenticationData = newValue }
    }
    public var requestProblemInformation: UInt8? {
        get { box?.values.requestProblemInformation }
        set { if box == nil && newValue == nil { return }; writable().values.requestProblemInformation = newValue }
    }
    public var willDelayInterval: UInt32? {
        get { box?.values.willDelayInterval }
        set { if box == nil && newValue == nil { return }; writable().values.willDelayInterval = newValue }
    }
    public var requestResponseInformation: UInt8? {
        get { box?.values.requestResponseInformation }
        set { if box == nil && newValue == nil { return }; writable().values.requestResponseInformation = newValue }
    }
    public var responseInformation: String? {
        get { box?.values.responseInformation }
        set { if box == nil && newValue == nil { return }; writable().values.responseInformation = newValue }
    }
    public var serverReference: String? {
        get { box?.values.serverReference }
        set { if box == nil && newValue == nil { return }; writable().values.serverReference = newValue }
    }
    public var reasonString: String? {
        get { box?.values.reasonString }
        set { if box == nil && newValue == nil { return }; writable().values.reasonString = newValue }
    }
    public var receiveMaximum: UInt16? {
        get { box?.values.receiveMaximum }
        set { if box == nil && newValue == nil { return }; writable().values.receiveMaximum = newValue }
    }
    public var topicAliasMaximum: UInt16? {
        get { box?.values.topicAliasMaximum }
        set { if box == nil && newValue == nil { return }; writable().values.topicAliasMaximum = newValue }
    }
    public var topicAlias: UInt16? {
        get { box?.values.topicAlias }
        set { if box == nil && newValue == nil { return }; writable().values.topicAlias = newValue }
    }
    public var maximumQoS: UInt8? {
        get { box?.values.maximumQoS }
        set { if box == nil && newValue == nil { return }; writable().values.maximumQoS = newValue }
    }
    public var retainAvailable: UInt8? {
        get { box?.values.retainAvailable }
        set { if box == nil && newValue == nil { return }; writable().values.retainAvailable = newValue }
    }
    public var userProperties: [UserProperty] {
        get { box?.values.userProperties ?? [] }
        set { if box == nil && newValue.isEmpty { return }; writable().values.userProperties = newValue }
        _modify { yield &writable().values.userProperties }
    }
    public var maximumPacketSize: UInt32? {
        get { box?.values.maximumPacketSize }
        set { if box == nil && newValue == nil { return }; writable().values.maximumPacketSize = newValue }
    }
    public var wildcardSubscriptionAvailable: UInt8? {
        get { box?.values.wildcardSubscriptionAvailable }
        set { if box == nil && newValue == nil { return }; writable().values.wildcardSubscriptionAvailable = newValue }
    }
    public var subscriptionIdentifierAvailable: UInt8? {
        get { box?.values.subscriptionIdentifierAvailable }
        set { if box == nil && newValue == nil { return }; writable().values.subscriptionIdentifierAvailable = newValue }
    }
    public var sharedSubscriptionAvailable: UInt8? {
        get { box?.values.sharedSubscriptionAvailable }
        set { if box == nil && newValue == nil { return }; writable().values.sharedSubscriptionAvailable = newValue }
    }

    /// Whether no property is present.
    public var isEmpty: Bool {
        guard let b = box else { return true }
        return b.values == Values()
    }

    public static func == (lhs: MQTTProperties, rhs: MQTTProperties) -> Bool {
        if lhs.box === rhs.box { return true }
        return lhs.values == rhs.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(values)
    }
}

// Property identifiers (MQTT 5.0 table 2-4) and the packets each may appear in.
enum PropertyID {
    static let payloadFormatIndicator: UInt8 = 0x01
    static let messageExpiryInterval: UInt8 = 0x02
    static let contentType: UInt8 = 0x03
    static let responseTopic: UInt8 = 0x08
    static let correlationData: UInt8 = 0x09
    static let subscriptionIdentifier: UInt8 = 0x0B
    static let sessionExpiryInterval: UInt8 = 0x11
    static let assignedClientIdentifier: UInt8 = 0x12
    static let serverKeepAlive: UInt8 = 0x13
    static let authenticationMethod: UInt8 = 0x15
    static let authenticationData: UInt8 = 0x16
    static let requestProblemInformation: UInt8 = 0x17
    static let willDelayInterval: UInt8 = 0x18
    static let requestResponseInformation: UInt8 = 0x19
    static let responseInformation: UInt8 = 0x1A
    static let serverReference: UInt8 = 0x1C
    static let reasonString: UInt8 = 0x1F
    static let receiveMaximum: UInt8 = 0x21
    static let topicAliasMaximum: UInt8 = 0x22
    static let topicAlias: UInt8 = 0x23
    static let maximumQoS: UInt8 = 0x24
    static let retainAvailable: UInt8 = 0x25
    static let userProperty: UInt8 = 0x26
    static let maximumPacketSize: UInt8 = 0x27
    static let wildcardSubscriptionAvailable: UInt8 = 0x28
    static let subscriptionIdentifierAvailable: UInt8 = 0x29
    static let sharedSubscriptionAvailable: UInt8 = 0x2A
}

/// Where a property set sits: a packet type, or the will properties inside CONNECT.
public enum PropertyContext: Sendable, Hashable {
    case packet(PacketType)
    case will

    var name: String {
        switch self {
        case .packet(let t): t.description
        case .will: "Will Properties"
        }
    }

    /// MQTT 5.0 table 2-4, per identifier.
    func allows(_ id: UInt8) -> Bool {
        switch self {
        case .will:
            return [0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26].contains(id)
        case .packet(let t):
            switch id {
            case 0x01, 0x02, 0x03, 0x08, 0x09: return t == .publish
            case 0x0B: return t == .publish || t == .subscribe
            case 0x11: return t == .connect || t == .connack || t == .disconnect
            case 0x12, 0x13, 0x1A, 0x24, 0x25, 0x28, 0x29, 0x2A: return t == .connack
            case 0x15, 0x16: return t == .connect || t == .connack || t == .auth
            case 0x17, 0x19: return t == .connect
            case 0x1C: return t == .connack || t == .disconnect
            case 0x1F:
                return t != .connect && t != .publish && t != .subscribe && t != .unsubscribe
                    && t != .pingreq && t != .pingresp
            case 0x21, 0x22, 0x27: return t == .connect || t == .connack
            case 0x23: return t == .publish
            case 0x26: return t != .pingreq && t != .pingresp
            default: return false
            }
        }
    }
}

extension MQTTProperties {
    /// Reads a property length and the properties it covers.
    static func decode(from buffer: inout ByteBuffer, context: PropertyContext) throws(MQTTError) -> MQTTProperties {
        let length = Int(try buffer.readMQTTVariableInteger("property length"))
        guard var slice = buffer.readSlice(length: length) else { throw .truncated(field: "properties") }
        var p = Values()
        var seen: UInt64 = 0
        while slice.readableBytes > 0 {
            let idValue = try slice.readMQTTVariableInteger("property identifier")
            guard idValue < 64, context.allows(UInt8(idValue)) else {
                throw .invalidProperty(identifier: UInt8(truncatingIfNeeded: idValue), packet: context.name)
            }
            let id = UInt8(idValue)
            if id != PropertyID.userProperty && id != PropertyID.subscriptionIdentifier {
                if seen & (1 << UInt64(id)) != 0 { throw .duplicateProperty(identifier: id) }
                seen |= 1 << UInt64(id)
            }
            switch id {
            case PropertyID.payloadFormatIndicator:
                let v = try slice.readMQTTByte("Payload Format Indicator")
                guard v <= 1 else { throw .invalidField(field: "Payload Format Indicator", reason: "must be 0 or 1") }
                p.payloadFormatIndicator = v
            case PropertyID.messageExpiryInterval: p.messageExpiryInterval = try slice.readMQTTUInt32("Message Expiry Interval")
            case PropertyID.contentType: p.contentType = try slice.readMQTTString("Content Type")
            case PropertyID.responseTopic:
                let topic = try slice.readMQTTString("Response Topic")
                guard TopicName.isValid(topic) else { throw .invalidTopicName(topic) }
                p.responseTopic = topic
            case PropertyID.correlationData: p.correlationData = try slice.readMQTTBinary("Correlation Data")
            case PropertyID.subscriptionIdentifier:
                let v = try slice.readMQTTVariableInteger("Subscription Identifier")
                guard v != 0 else { throw .invalidField(field: "Subscription Identifier", reason: "must not be 0") }
                p.subscriptionIdentifiers.append(v)
            case PropertyID.sessionExpiryInterval: p.sessionExpiryInterval = try slice.readMQTTUInt32("Session Expiry Interval")
            case PropertyID.assignedClientIdentifier: p.assignedClientIdentifier = try slice.readMQTTString("Assigned Client Identifier")
            case PropertyID.serverKeepAlive: p.serverKeepAlive = try slice.readMQTTUInt16("Server Keep Alive")
            case PropertyID.authenticationMethod: p.authenticationMethod = try slice.readMQTTString("Authentication Method")
            case PropertyID.authenticationData: p.authenticationData = try slice.readMQTTBinary("Authentication Data")
            case PropertyID.requestProblemInformation:
                let v = try slice.readMQTTByte("Request Problem Information")
                guard v <= 1 else { throw .invalidField(field: "Request Problem Information", reason: "must be 0 or 1") }
                p.requestProblemInformation = v
            case PropertyID.willDelayInterval: p.willDelayInterval = try slice.readMQTTUInt32("Will Delay Interval")
            case PropertyID.requestResponseInformation:
                let v = try slice.readMQTTByte("Request Response Information")
                guard v <= 1 else { throw .invalidField(field: "Request Response Information", reason: "must be 0 or 1") }
                p.requestResponseInformation = v
            case PropertyID.responseInformation: p.responseInformation = try slice.readMQTTString("Response Information")
            case PropertyID.serverReference: p.serverReference = try slice.readMQTTString("Server Reference")
            case PropertyID.reasonString: p.reasonString = try slice.readMQTTString("Reason String")
            case PropertyID.receiveMaximum:
                let v = try slice.readMQTTUInt16("Receive Maximum")
                guard v != 0 else { throw .invalidField(field: "Receive Maximum", reason: "must not be 0") }
                p.receiveMaximum = v
            case PropertyID.topicAliasMaximum: p.topicAliasMaximum = try slice.readMQTTUInt16("Topic Alias Maximum")
            case PropertyID.topicAlias:
                let v = try slice.readMQTTUInt16("Topic Alias")
                guard v != 0 else { throw .invalidField(field: "Topic Alias", reason: "must not be 0") }
                p.topicAlias = v
            case PropertyID.maximumQoS: p.maximumQoS = try slice.readMQTTByte("Maximum QoS")
            case PropertyID.retainAvailable: p.retainAvailable = try slice.readMQTTByte("Retain Available")
            case PropertyID.userProperty:
                let name = try slice.readMQTTString("User Property name")
                let value = try slice.readMQTTString("User Property value")
                p.userProperties.append(UserProperty(name, value))
            case PropertyID.maximumPacketSize:
                let v = try slice.readMQTTUInt32("Maximum Packet Size")
                guard v != 0 else { throw .invalidField(field: "Maximum Packet Size", reason: "must not be 0") }
                p.maximumPacketSize = v
            case PropertyID.wildcardSubscriptionAvailable: p.wildcardSubscriptionAvailable = try slice.readMQTTByte("Wildcard Subscription Available")
            case PropertyID.subscriptionIdentifierAvailable: p.subscriptionIdentifierAvailable = try slice.readMQTTByte("Subscription Identifier Available")
            case PropertyID.sharedSubscriptionAvailable: p.sharedSubscriptionAvailable = try slice.readMQTTByte("Shared Subscription Available")
            default:
                throw .invalidProperty(identifier: id, packet: context.name)
            }
        }
        return MQTTProperties(p)
    }

    /// The number of bytes the properties take, without the length prefix.
    var encodedLength: Int { box.map { $0.values.encodedLength } ?? 0 }

    /// The bytes the property block takes including its length prefix.
    var encodedSizeWithLength: Int {
        let n = encodedLength
        return variableIntegerSize(n) + n
    }

    /// Writes the length prefix and the properties.
    func encode(into buffer: inout ByteBuffer) {
        guard let b = box else {
            buffer.writeInteger(UInt8(0))
            return
        }
        b.values.encode(into: &buffer)
    }
}

extension MQTTProperties.Values {
    var encodedLength: Int {
        var n = 0
        if payloadFormatIndicator != nil { n += 2 }
        if messageExpiryInterval != nil { n += 5 }
        if let v = contentType { n += 1 + stringFieldSize(v) }
        if let v = responseTopic { n += 1 + stringFieldSize(v) }
        if let v = correlationData { n += 3 + v.count }
        for id in subscriptionIdentifiers { n += 1 + variableIntegerSize(Int(id)) }
        if sessionExpiryInterval != nil { n += 5 }
        if let v = assignedClientIdentifier { n += 1 + stringFieldSize(v) }
        if serverKeepAlive != nil { n += 3 }
        if let v = authenticationMethod { n += 1 + stringFieldSize(v) }
        if let v = authenticationData { n += 3 + v.count }
        if requestProblemInformation != nil { n += 2 }
        if willDelayInterval != nil { n += 5 }
        if requestResponseInformation != nil { n += 2 }
        if let v = responseInformation { n += 1 + stringFieldSize(v) }
        if let v = serverReference { n += 1 + stringFieldSize(v) }
        if let v = reasonString { n += 1 + stringFieldSize(v) }
        if receiveMaximum != nil { n += 3 }
        if topicAliasMaximum != nil { n += 3 }
        if topicAlias != nil { n += 3 }
        if maximumQoS != nil { n += 2 }
        if retainAvailable != nil { n += 2 }
        for u in userProperties { n += 1 + stringFieldSize(u.name) + stringFieldSize(u.value) }
        if maximumPacketSize != nil { n += 5 }
        if wildcardSubscriptionAvailable != nil { n += 2 }
        if subscriptionIdentifierAvailable != nil { n += 2 }
        if sharedSubscriptionAvailable != nil { n += 2 }
        return n
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeMQTTVariableInteger(encodedLength)
        func byte(_ id: UInt8, _ v: UInt8?) { if let v { buffer.writeInteger(id); buffer.writeInteger(v) } }
        func u16(_ id: UInt8, _ v: UInt16?) { if let v { buffer.writeInteger(id); buffer.writeMQTTUInt16(v) } }
        func u32(_ id: UInt8, _ v: UInt32?) { if let v { buffer.writeInteger(id); buffer.writeMQTTUInt32(v) } }
        func str(_ id: UInt8, _ v: String?) { if let v { buffer.writeInteger(id); buffer.writeMQTTString(v) } }
        func bin(_ id: UInt8, _ v: [UInt8]?) { if let v { buffer.writeInteger(id); buffer.writeMQTTBinary(v) } }
        byte(PropertyID.payloadFormatIndicator, payloadFormatIndicator)
        u32(PropertyID.messageExpiryInterval, messageExpiryInterval)
        str(PropertyID.contentType, contentType)
        str(PropertyID.responseTopic, responseTopic)
        bin(PropertyID.correlationData, correlationData)
        for id in subscriptionIdentifiers {
            buffer.writeInteger(PropertyID.subscriptionIdentifier)
            buffer.writeMQTTVariableInteger(Int(id))
        }
        u32(PropertyID.sessionExpiryInterval, sessionExpiryInterval)
        str(PropertyID.assignedClientIdentifier, assignedClientIdentifier)
        u16(PropertyID.serverKeepAlive, serverKeepAlive)
        str(PropertyID.authenticationMethod, authenticationMethod)
        bin(PropertyID.authenticationData, authenticationData)
        byte(PropertyID.requestProblemInformation, requestProblemInformation)
        u32(PropertyID.willDelayInterval, willDelayInterval)
        byte(PropertyID.requestResponseInformation, requestResponseInformation)
        str(PropertyID.responseInformation, responseInformation)
        str(PropertyID.serverReference, serverReference)
        str(PropertyID.reasonString, reasonString)
        u16(PropertyID.receiveMaximum, receiveMaximum)
        u16(PropertyID.topicAliasMaximum, topicAliasMaximum)
        u16(PropertyID.topicAlias, topicAlias)
        byte(PropertyID.maximumQoS, maximumQoS)
        byte(PropertyID.retainAvailable, retainAvailable)
        for u in userProperties {
            buffer.writeInteger(PropertyID.userProperty)
            buffer.writeMQTTString(u.name)
            buffer.writeMQTTString(u.value)
        }
        u32(PropertyID.maximumPacketSize, maximumPacketSize)
        byte(PropertyID.wildcardSubscriptionAvailable, wildcardSubscriptionAvailable)
        byte(PropertyID.subscriptionIdentifierAvailable, subscriptionIdentifierAvailable)
        byte(PropertyID.sharedSubscriptionAvailable, sharedSubscriptionAvailable)
    }
}
