/// Elapsed time on an injected clock, as a `Duration` since the timer was made, and sleeping
/// until such an offset. It lets the network server keep deadlines of `any Clock<Duration>`
/// (the real continuous clock, or a manual one in tests) as plain values.
struct WindowTimer: Sendable {
    /// Time elapsed on the clock since `make`.
    let now: @Sendable () -> Duration
    /// Sleeps until the clock reaches the given offset.
    let sleepUntil: @Sendable (Duration) async throws -> Void

    static func make<C: Clock>(_ clock: C) -> WindowTimer where C.Duration == Duration {
        let start = clock.now
        return WindowTimer(now: { start.duration(to: clock.now) },
                           sleepUntil: { offset in try await clock.sleep(until: start.advanced(by: offset), tolerance: nil) })
    }
}

/// The open deduplication windows in the order they close. Every window lasts the same time, so
/// opening order is closing order and a FIFO replaces a timer per window: one sweeper sleeps
/// until the first deadline and closes every window that is due.
struct WindowQueue {
    private var items: [(deadline: Duration, payload: [UInt8])] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }
    var firstDeadline: Duration? { head < items.count ? items[head].deadline : nil }

    mutating func append(deadline: Duration, payload: [UInt8]) {
        items.append((deadline, payload))
    }

    /// Removes and returns the first window when it is due at `now`.
    mutating func popDue(now: Duration) -> [UInt8]? {
        guard head < items.count, items[head].deadline <= now else { return nil }
        let payload = items[head].payload
        items[head].payload = []
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return payload
    }
}
