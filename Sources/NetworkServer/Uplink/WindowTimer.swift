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

/// A first-in first-out queue with amortised O(1) pop (a head index over an array).
struct FIFO<Element> {
    private var items: [Element?] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }
    var first: Element? { head < items.count ? items[head] : nil }

    mutating func append(_ e: Element) { items.append(e) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let e = items[head]
        items[head] = nil
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return e
    }
}

/// The deduplication windows waiting for their deadline, in the order they close. Every window
/// lasts the same time, so opening order is closing order and a FIFO replaces a timer per
/// window: one sweeper sleeps until the first deadline and hands every due window on. A window
/// that closed early stays queued and is skipped (its `seq` no longer waits).
struct WindowQueue {
    struct Item {
        var deadline: Duration
        var payload: [UInt8]
        var seq: UInt64
    }
    private var fifo = FIFO<Item>()

    var isEmpty: Bool { fifo.isEmpty }
    var count: Int { fifo.count }
    var firstDeadline: Duration? { fifo.first?.deadline }

    mutating func append(deadline: Duration, payload: [UInt8], seq: UInt64) {
        fifo.append(Item(deadline: deadline, payload: payload, seq: seq))
    }

    /// Removes and returns the first window when it is due at `now`.
    mutating func popDue(now: Duration) -> Item? {
        guard let f = fifo.first, f.deadline <= now else { return nil }
        return fifo.popFirst()
    }

    /// Drops leading windows for which `done` holds (closed early), so the sweeper does not
    /// sleep for them.
    mutating func dropLeading(while done: (Item) -> Bool) {
        while let f = fifo.first, done(f) { _ = fifo.popFirst() }
    }
}

extension FIFO: Sendable where Element: Sendable {}
