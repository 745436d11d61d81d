/// Everything the broker can be told: listeners, limits, users and access rules.
///
/// Codable with a default for every field, so a configuration file lists only what it changes:
///
/// ```json
/// { "port": 1883, "webSocketPort": 8083, "allowAnonymous": false,
///   "users": [ { "username": "app1", "password": "secret", "role": "application", "applicationID": "1" } ],
///   "acl": [ { "effect": "deny", "action": "publish", "topic": "$SYS/#", "role": "anonymous" } ] }
/// ```
public struct BrokerConfiguration: Codable, Sendable, Equatable {
    /// Address to bind both listeners to.
    public var host: String = "127.0.0.1"
    /// MQTT over TCP port (0 picks an ephemeral port).
    public var port: Int = 1883
    /// MQTT over WebSocket port (subprotocol `mqtt`), or `nil` to disable the WebSocket listener.
    public var webSocketPort: Int? = 8083
    /// Largest packet accepted from a client, in bytes (5.0: sent as Maximum Packet Size).
    public var maximumPacketSize: Int = 1_048_576
    /// Upper bound for a client's keep-alive in seconds; a larger or zero request is lowered to it
    /// and, for 5.0 clients, announced as Server Keep Alive. `nil` accepts what clients ask for.
    public var maximumKeepAlive: UInt16? = nil
    /// Upper bound for a 5.0 client's Session Expiry Interval, in seconds.
    public var maximumSessionExpiryInterval: UInt32 = UInt32.max
    /// QoS 1/2 messages queued for one session while it is offline or its in-flight window is full.
    /// When the queue is full a new message is dropped (not the oldest) and counted in
    /// `broker_messages_dropped_total{reason="queue_full"}`, so what was queued first is delivered.
    public var maximumQueuedMessages: Int = 1000
    /// Whether QoS 0 messages are queued for offline persistent sessions too (MQTT allows either).
    public var queueQoS0Messages: Bool = false
    /// Receive Maximum the broker announces: unacknowledged QoS 2 PUBLISHes a client may have open.
    public var receiveMaximum: UInt16 = 1024
    /// Topic Alias Maximum the broker announces to 5.0 clients (0 disables inbound aliases).
    public var topicAliasMaximum: UInt16 = 64
    /// Whether clients without a user name may connect (as the `anonymous` role).
    public var allowAnonymous: Bool = false
    /// Users checked by the configuration-file authenticator.
    public var users: [BrokerUser] = []
    /// Access rules, first match wins; see ``AccessRule``.
    public var acl: [AccessRule] = []
    /// What happens when no rule matches: `allow` or `deny`.
    public var aclDefault: AccessRule.Effect = .allow
    /// Seconds between housekeeping passes (will delay, session expiry, keep-alive checks).
    public var tickIntervalMilliseconds: Int = 500
    /// Serve every MQTT connection on one event loop of the group (the default): a delivery then
    /// never crosses threads, the lock is never contended and the writes of a whole loop
    /// iteration leave together, as in Mosquitto's single thread. `false` spreads connections
    /// over all the group's loops, paying a cross-thread hand-off whenever publisher and
    /// subscriber sit on different loops.
    public var singleEventLoop: Bool = true
    /// Where retained messages are kept across restarts (`lorikeet serve`:
    /// `<data-dir>/broker-retained.mqtt`), or `nil` to keep them in memory only. Read at start,
    /// written when they changed every `retainedSaveSeconds` and at shutdown.
    public var retainedFile: String? = nil
    public var retainedSaveSeconds: Int = 60

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BrokerConfiguration()
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        webSocketPort = c.contains(.webSocketPort) ? try c.decodeIfPresent(Int.self, forKey: .webSocketPort) : d.webSocketPort
        maximumPacketSize = try c.decodeIfPresent(Int.self, forKey: .maximumPacketSize) ?? d.maximumPacketSize
        maximumKeepAlive = try c.decodeIfPresent(UInt16.self, forKey: .maximumKeepAlive) ?? d.maximumKeepAlive
        maximumSessionExpiryInterval = try c.decodeIfPresent(UInt32.self, forKey: .maximumSessionExpiryInterval) ?? d.maximumSessionExpiryInterval
        maximumQueuedMessages = try c.decodeIfPresent(Int.self, forKey: .maximumQueuedMessages) ?? d.maximumQueuedMessages
        queueQoS0Messages = try c.decodeIfPresent(Bool.self, forKey: .queueQoS0Messages) ?? d.queueQoS0Messages
        receiveMaximum = try c.decodeIfPresent(UInt16.self, forKey: .receiveMaximum) ?? d.receiveMaximum
        topicAliasMaximum = try c.decodeIfPresent(UInt16.self, forKey: .topicAliasMaximum) ?? d.topicAliasMaximum
        allowAnonymous = try c.decodeIfPresent(Bool.self, forKey: .allowAnonymous) ?? d.allowAnonymous
        users = try c.decodeIfPresent([BrokerUser].self, forKey: .users) ?? d.users
        acl = try c.decodeIfPresent([AccessRule].self, forKey: .acl) ?? d.acl
        aclDefault = try c.decodeIfPresent(AccessRule.Effect.self, forKey: .aclDefault) ?? d.aclDefault
        tickIntervalMilliseconds = try c.decodeIfPresent(Int.self, forKey: .tickIntervalMilliseconds) ?? d.tickIntervalMilliseconds
        singleEventLoop = try c.decodeIfPresent(Bool.self, forKey: .singleEventLoop) ?? d.singleEventLoop
        retainedFile = try c.decodeIfPresent(String.self, forKey: .retainedFile) ?? d.retainedFile
        retainedSaveSeconds = try c.decodeIfPresent(Int.self, forKey: .retainedSaveSeconds) ?? d.retainedSaveSeconds
        guard retainedSaveSeconds >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .retainedSaveSeconds, in: c, debugDescription: "must be at least 1")
        }
        guard maximumPacketSize >= 64, maximumPacketSize <= 268_435_460 else {
            throw DecodingError.dataCorruptedError(forKey: .maximumPacketSize, in: c, debugDescription: "must be 64…268435460")
        }
        guard receiveMaximum > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .receiveMaximum, in: c, debugDescription: "must not be 0")
        }
        guard maximumQueuedMessages >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .maximumQueuedMessages, in: c, debugDescription: "must not be negative")
        }
    }
}

/// A user of the configuration-file authenticator.
public struct BrokerUser: Codable, Sendable, Equatable {
    public var username: String
    /// The password in clear text (for development); prefer `passwordSHA256`.
    public var password: String?
    /// Lower-case hex SHA-256 of the password.
    public var passwordSHA256: String?
    /// `admin` or `application`.
    public var role: String
    /// The application this user belongs to, for `role == "application"`.
    public var applicationID: String?

    public init(username: String, password: String? = nil, passwordSHA256: String? = nil, role: String, applicationID: String? = nil) {
        self.username = username; self.password = password; self.passwordSHA256 = passwordSHA256
        self.role = role; self.applicationID = applicationID
    }
}
