/// Decides when a silent client has exceeded its keep-alive (MQTT 5.0 §3.1.2.10: one and a half
/// times the keep-alive without any packet from the client).
struct KeepAliveMonitor: Sendable, Equatable {
    /// Keep-alive in seconds; 0 disables the check.
    let keepAlive: UInt16
    private(set) var lastActivity: Duration

    init(keepAlive: UInt16, now: Duration) {
        self.keepAlive = keepAlive
        self.lastActivity = now
    }

    /// A packet arrived.
    mutating func activity(at now: Duration) { lastActivity = now }

    /// The time after which the connection must be closed, if any.
    var deadline: Duration? {
        guard keepAlive > 0 else { return nil }
        return lastActivity + .milliseconds(Int64(keepAlive) * 1500)
    }

    /// Whether the client has been silent too long at `now`.
    func isExpired(at now: Duration) -> Bool {
        guard let d = deadline else { return false }
        return now > d
    }

    /// How often to check: half the keep-alive, at least every 100 ms.
    var checkInterval: Duration? {
        guard keepAlive > 0 else { return nil }
        return .milliseconds(max(100, Int64(keepAlive) * 500))
    }
}
