public import NIOCore

/// A will message carried in CONNECT (MQTT 5.0 §3.1.2.5, §3.1.3.2–3.1.3.4).
public struct WillMessage: Hashable, Sendable {
    public var topic: String
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    /// Will properties (5.0 only): Will Delay Interval, Message Expiry, Content Type, …
    public var properties: MQTTProperties
    public init(topic: String, payload: ByteBuffer, qos: QoS = .atMostOnce, retain: Bool = false, properties: MQTTProperties = .init()) {
        self.topic = topic; self.payload = payload; self.qos = qos; self.retain = retain; self.properties = properties
    }
}

/// CONNECT (MQTT 5.0 §3.1, MQTT 3.1.1 §3.1).
public struct ConnectPacket: Hashable, Sendable {
    public var protocolVersion: ProtocolVersion
    public var clientIdentifier: String
    /// 5.0 Clean Start; 3.1.1 Clean Session.
    public var cleanStart: Bool
    /// Keep alive in seconds; 0 disables it.
    public var keepAlive: UInt16
    public var username: String?
    public var password: [UInt8]?
    public var will: WillMessage?
    public var properties: MQTTProperties
    public init(protocolVersion: ProtocolVersion, clientIdentifier: String, cleanStart: Bool = true, keepAlive: UInt16 = 60,
                username: String? = nil, password: [UInt8]? = nil, will: WillMessage? = nil, properties: MQTTProperties = .init()) {
        self.protocolVersion = protocolVersion; self.clientIdentifier = clientIdentifier; self.cleanStart = cleanStart
        self.keepAlive = keepAlive; self.username = username; self.password = password; self.will = will; self.properties = properties
    }
}

/// CONNACK (MQTT 5.0 §3.2). For 3.1.1 the reason code is mapped to a return code when encoding.
public struct ConnAckPacket: Hashable, Sendable {
    public var sessionPresent: Bool
    public var reasonCode: ReasonCode
    public var properties: MQTTProperties
    public init(sessionPresent: Bool = false, reasonCode: ReasonCode = .success, properties: MQTTProperties = .init()) {
        self.sessionPresent = sessionPresent; self.reasonCode = reasonCode; self.properties = properties
    }
}

/// PUBLISH (MQTT 5.0 §3.3).
public struct PublishPacket: Hashable, Sendable {
    /// The topic name; empty only in 5.0 when a Topic Alias property stands for it.
    public var topic: String
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    public var dup: Bool
    /// Present exactly when `qos > 0`.
    public var packetIdentifier: UInt16?
    public var properties: MQTTProperties
    public init(topic: String, payload: ByteBuffer, qos: QoS = .atMostOnce, retain: Bool = false, dup: Bool = false,
                packetIdentifier: UInt16? = nil, properties: MQTTProperties = .init()) {
        self.topic = topic; self.payload = payload; self.qos = qos; self.retain = retain; self.dup = dup
        self.packetIdentifier = packetIdentifier; self.properties = properties
    }
}

/// PUBACK, PUBREC, PUBREL and PUBCOMP share one layout (MQTT 5.0 §3.4–3.7).
public struct AckPacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    public var reasonCode: ReasonCode
    public var properties: MQTTProperties
    public init(packetIdentifier: UInt16, reasonCode: ReasonCode = .success, properties: MQTTProperties = .init()) {
        self.packetIdentifier = packetIdentifier; self.reasonCode = reasonCode; self.properties = properties
    }
}

/// Subscription options byte (MQTT 5.0 §3.8.3.1). In 3.1.1 only the QoS bits exist.
public struct SubscriptionOptions: Hashable, Sendable {
    /// Maximum QoS the subscriber accepts.
    public var qos: QoS
    /// Don't deliver messages this client published itself (5.0).
    public var noLocal: Bool
    /// Keep the RETAIN flag as published instead of clearing it on live delivery (5.0).
    public var retainAsPublished: Bool
    /// 0: send retained messages on subscribe; 1: only if the subscription is new; 2: never (5.0).
    public var retainHandling: UInt8
    public init(qos: QoS = .atMostOnce, noLocal: Bool = false, retainAsPublished: Bool = false, retainHandling: UInt8 = 0) {
        self.qos = qos; self.noLocal = noLocal; self.retainAsPublished = retainAsPublished; self.retainHandling = retainHandling
    }
}

/// One topic filter and its options in SUBSCRIBE.
public struct Subscription: Hashable, Sendable {
    public var topicFilter: String
    public var options: SubscriptionOptions
    public init(topicFilter: String, options: SubscriptionOptions = .init()) {
        self.topicFilter = topicFilter; self.options = options
    }
}

/// SUBSCRIBE (MQTT 5.0 §3.8).
public struct SubscribePacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    public var subscriptions: [Subscription]
    public var properties: MQTTProperties
    public init(packetIdentifier: UInt16, subscriptions: [Subscription], properties: MQTTProperties = .init()) {
        self.packetIdentifier = packetIdentifier; self.subscriptions = subscriptions; self.properties = properties
    }
}

/// SUBACK and UNSUBACK: a packet identifier and one reason code per filter (MQTT 5.0 §3.9, §3.11).
/// 3.1.1 UNSUBACK carries no reason codes.
public struct SubAckPacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    public var reasonCodes: [ReasonCode]
    public var properties: MQTTProperties
    public init(packetIdentifier: UInt16, reasonCodes: [ReasonCode], properties: MQTTProperties = .init()) {
        self.packetIdentifier = packetIdentifier; self.reasonCodes = reasonCodes; self.properties = properties
    }
}

/// UNSUBSCRIBE (MQTT 5.0 §3.10).
public struct UnsubscribePacket: Hashable, Sendable {
    public var packetIdentifier: UInt16
    public var topicFilters: [String]
    public var properties: MQTTProperties
    public init(packetIdentifier: UInt16, topicFilters: [String], properties: MQTTProperties = .init()) {
        self.packetIdentifier = packetIdentifier; self.topicFilters = topicFilters; self.properties = properties
    }
}

/// DISCONNECT and AUTH: a reason code and properties (MQTT 5.0 §3.14, §3.15).
public struct DisconnectPacket: Hashable, Sendable {
    public var reasonCode: ReasonCode
    public var properties: MQTTProperties
    public init(reasonCode: ReasonCode = .success, properties: MQTTProperties = .init()) {
        self.reasonCode = reasonCode; self.properties = properties
    }
}

/// An MQTT control packet.
public enum MQTTPacket: Hashable, Sendable {
    /// Boxed: CONNECT is by far the largest packet and rare, and would otherwise set the size of
    /// every packet value copied on the PUBLISH path.
    indirect case connect(ConnectPacket)
    case connack(ConnAckPacket)
    case publish(PublishPacket)
    case puback(AckPacket)
    case pubrec(AckPacket)
    case pubrel(AckPacket)
    case pubcomp(AckPacket)
    case subscribe(SubscribePacket)
    case suback(SubAckPacket)
    case unsubscribe(UnsubscribePacket)
    case unsuback(SubAckPacket)
    case pingreq
    case pingresp
    case disconnect(DisconnectPacket)
    case auth(DisconnectPacket)

    /// The packet's type.
    public var type: PacketType {
        switch self {
        case .connect: .connect
        case .connack: .connack
        case .publish: .publish
        case .puback: .puback
        case .pubrec: .pubrec
        case .pubrel: .pubrel
        case .pubcomp: .pubcomp
        case .subscribe: .subscribe
        case .suback: .suback
        case .unsubscribe: .unsubscribe
        case .unsuback: .unsuback
        case .pingreq: .pingreq
        case .pingresp: .pingresp
        case .disconnect: .disconnect
        case .auth: .auth
        }
    }
}
