import MQTT

/// One configurable access rule: allow or deny publishing and/or subscribing on a topic pattern,
/// for one user name, one role, or anonymous clients.
///
/// Rules are checked in order and the first rule that applies decides; when none applies the
/// configuration's `aclDefault` does. The pattern is an MQTT topic filter. For PUBLISH a rule
/// applies when its pattern matches the topic. For SUBSCRIBE an `allow` rule applies when its
/// pattern covers every topic the requested filter can match, and a `deny` rule applies when the
/// two overlap at all, so `deny secret/#` also refuses a subscription to `#`.
///
/// Application isolation is not a rule: it always holds (see ``AccessPolicy``).
public struct AccessRule: Codable, Sendable, Equatable {
    public enum Effect: String, Codable, Sendable { case allow, deny }
    public enum Action: String, Codable, Sendable { case publish, subscribe, all }

    public var effect: Effect
    public var action: Action
    /// A topic filter (`+` and `#` allowed).
    public var topic: String
    /// Applies to this user name only.
    public var username: String?
    /// Applies to this role only: `admin`, `application`, `analyst` or `anonymous`.
    public var role: String?

    public init(effect: Effect, action: Action, topic: String, username: String? = nil, role: String? = nil) {
        self.effect = effect; self.action = action; self.topic = topic; self.username = username; self.role = role
    }

    func appliesTo(_ principal: Principal) -> Bool {
        if let username, principal.username != username { return false }
        if let role, principal.role != role { return false }
        return true
    }
}

/// Decides whether a principal may publish to a topic or subscribe to a filter.
///
/// Two layers:
/// 0. `analyst` principals never publish (and may subscribe to everything).
/// 1. Application isolation, always: a principal that is not `admin` or `analyst` may only publish to, or
///    receive from, `application/{id}/…` topics of its own application. Subscriptions whose
///    filter names another application are refused; wildcard subscriptions (`#`,
///    `application/+/…`) are accepted, but messages of other applications are filtered out at
///    delivery (``mayReceive(_:topic:)``).
/// 2. The configured rules, first match wins, then the default.
public struct AccessPolicy: Sendable {
    public var rules: [AccessRule]
    public var defaultEffect: AccessRule.Effect

    public init(rules: [AccessRule], defaultEffect: AccessRule.Effect = .allow) {
        self.rules = rules; self.defaultEffect = defaultEffect
    }

    /// Whether `principal` may publish to `topic`.
    public func mayPublish(_ principal: Principal, topic: String) -> Bool {
        if case .analyst = principal { return false }
        guard isolationAllows(principal, topicOrFilter: topic) else { return false }
        for rule in rules where rule.action != .subscribe && rule.appliesTo(principal) {
            if TopicFilter.matches(filter: rule.topic, topic: topic) { return rule.effect == .allow }
        }
        return defaultEffect == .allow
    }

    /// Whether `principal` may subscribe to `filter` (without any `$share/group/` prefix).
    public func maySubscribe(_ principal: Principal, filter: String) -> Bool {
        guard isolationAllows(principal, topicOrFilter: filter) else { return false }
        for rule in rules where rule.action != .publish && rule.appliesTo(principal) {
            switch rule.effect {
            case .allow: if TopicFilter.covers(pattern: rule.topic, filter: filter) { return true }
            case .deny: if TopicFilter.intersects(rule.topic, filter) { return false }
            }
        }
        return defaultEffect == .allow
    }

    /// Whether a message on `topic` may be delivered to `principal` (application isolation).
    @inline(__always)
    public func mayReceive(_ principal: Principal, topic: String) -> Bool {
        if case .admin = principal { return true }
        if case .analyst = principal { return true }
        return isolationAllows(principal, topicOrFilter: topic)
    }

    /// `application/{id}/…`: only the application `id` (or an admin) may use it. A literal second
    /// level is checked; a `+` or `#` there is left to delivery-time filtering.
    func isolationAllows(_ principal: Principal, topicOrFilter: String) -> Bool {
        if case .admin = principal { return true }
        if case .analyst = principal { return true }
        guard topicOrFilter.hasPrefix("application/") else { return true }
        let rest = topicOrFilter.utf8.dropFirst(12)
        let idBytes = rest.prefix { $0 != UInt8(ascii: "/") }
        if idBytes.elementsEqual("+".utf8) || idBytes.elementsEqual("#".utf8) { return true }
        guard case .application(let id, _) = principal else { return false }
        return idBytes.elementsEqual(id.utf8)
    }
}
