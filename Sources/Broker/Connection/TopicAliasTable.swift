import MQTT

/// The client-to-server topic aliases of one 5.0 connection (MQTT 5.0 §3.3.2.3.4).
struct TopicAliasTable: Sendable {
    enum Resolution: Equatable {
        case success(String)
        case failure(ReasonCode)
    }

    let maximum: UInt16
    private var topics: [UInt16: String] = [:]

    init(maximum: UInt16) { self.maximum = maximum }

    /// The topic a PUBLISH is for, updating the table when it sets an alias.
    /// Returns the topic, or the reason code to DISCONNECT with: 0x94 for an alias out of
    /// range, 0x82 for an unknown alias with an empty topic.
    mutating func resolve(topic: String, alias: UInt16?) -> Resolution {
        guard let alias else { return .success(topic) }
        guard alias >= 1, alias <= maximum else { return .failure(.topicAliasInvalid) }
        if topic.isEmpty {
            guard let t = topics[alias] else { return .failure(.protocolError) }
            return .success(t)
        }
        topics[alias] = topic
        return .success(topic)
    }
}
