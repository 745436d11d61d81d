/// MQTT quality of service (MQTT 5.0 §4.3).
public enum QoS: UInt8, Sendable, Hashable, Comparable, Codable {
    /// At most once.
    case atMostOnce = 0
    /// At least once (PUBLISH, PUBACK).
    case atLeastOnce = 1
    /// Exactly once (PUBLISH, PUBREC, PUBREL, PUBCOMP).
    case exactlyOnce = 2

    public static func < (lhs: QoS, rhs: QoS) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The protocol level negotiated in CONNECT.
public enum ProtocolVersion: UInt8, Sendable, Hashable, Codable {
    /// MQTT 3.1.1 (protocol level 4).
    case v311 = 4
    /// MQTT 5.0 (protocol level 5).
    case v5 = 5
}
