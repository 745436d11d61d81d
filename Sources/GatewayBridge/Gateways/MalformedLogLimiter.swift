/// Decides when a malformed-traffic log line may be written: at most once per key per interval,
/// carrying how many were suppressed since the last line. Pure: the caller passes the time.
struct MalformedLogLimiter {
    let intervalMillis: Int64
    private var entries: [String: (lastLogged: Int64, suppressed: Int)] = [:]

    init(intervalMillis: Int64) { self.intervalMillis = intervalMillis }

    /// Records one malformed datagram from `key` at `now`; returns the number of earlier ones
    /// suppressed since the last line when a line should be logged now, or nil to stay quiet.
    mutating func record(_ key: String, now: Int64) -> Int? {
        if let e = entries[key], now &- e.lastLogged < intervalMillis {
            entries[key] = (e.lastLogged, e.suppressed + 1)
            return nil
        }
        let suppressed = entries[key]?.suppressed ?? 0
        entries[key] = (now, 0)
        if entries.count > 10_000 { entries = entries.filter { now &- $0.value.lastLogged < intervalMillis } }
        return suppressed
    }
}

