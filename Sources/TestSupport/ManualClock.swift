import Foundation

/// A clock that moves only when a test says so: sleepers wake when `advance(by:)` passes their
/// deadline. For deduplication windows and receive-window timing without real sleeps.
public final class ManualClock: Clock, @unchecked Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    private var sleepers: [(deadline: Instant, continuation: CheckedContinuation<Void, Never>)] = []

    public init() {}

    public var now: Instant { lock.lock(); defer { lock.unlock() }; return current }
    public var minimumResolution: Duration { .zero }

    /// Sleepers registered so far (tests wait for this before advancing).
    public var sleeperCount: Int { lock.lock(); defer { lock.unlock() }; return sleepers.count }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            if deadline <= current {
                lock.unlock()
                c.resume()
            } else {
                sleepers.append((deadline, c))
                lock.unlock()
            }
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has passed.
    public func advance(by duration: Duration) {
        lock.lock()
        current = current.advanced(by: duration)
        let due = sleepers.filter { $0.deadline <= current }
        sleepers.removeAll { $0.deadline <= current }
        lock.unlock()
        for s in due { s.continuation.resume() }
    }
}
