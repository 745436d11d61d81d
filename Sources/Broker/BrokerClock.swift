import Foundation

/// The broker's source of time: a monotonic reading since an arbitrary origin.
///
/// A protocol of its own rather than `any Clock<Duration>` because the state machines only need
/// to compare and add instants, and a plain `Duration` keeps them free of generic clocks. Tests
/// inject ``ManualBrokerClock``; production uses ``SystemBrokerClock``.
public protocol BrokerClock: Sendable {
    /// The current time as a duration since the clock's origin.
    func now() -> Duration
}

/// `ContinuousClock` measured from when the clock was created.
public struct SystemBrokerClock: BrokerClock {
    let origin = ContinuousClock.now
    public init() {}
    public func now() -> Duration { ContinuousClock.now - origin }
}

/// A clock that only moves when told to (tests).
public final class ManualBrokerClock: BrokerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Duration
    public init(_ start: Duration = .zero) { current = start }
    public func now() -> Duration { lock.lock(); defer { lock.unlock() }; return current }
    /// Moves the clock forward.
    public func advance(by d: Duration) { lock.lock(); current += d; lock.unlock() }
}
