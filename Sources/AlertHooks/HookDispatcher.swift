public import AlertStore
public import Events
import Foundation

/// Delivers the outbox: takes due entries, makes one attempt each through their hook, and records
/// the outcome with exponential backoff. Run `drain` at startup so that deliveries left by a crash
/// or a receiver outage go out first.
///
/// Ordering: within one alert and hook, transitions go out in the order they happened (the store
/// holds back a later entry while an earlier one is pending). When an attempt fails with a retryable
/// error, the rest of that hook's entries wait for the next pass: the receiver is probably down.
public final class HookDispatcher {
    let store: AlertStore
    let hooks: [String: any AlertHook]
    public let policy: RetryPolicy
    /// Attempts in flight at once (across hooks).
    public let maxConcurrent: Int
    private let clock: () -> Int64
    private let random: () -> Double
    let metrics = HookMetrics()

    /// - Parameters:
    ///   - now: the wall clock in epoch milliseconds (injected for tests).
    ///   - random: uniform [0, 1) for backoff jitter (injected for tests).
    public init(store: AlertStore, hooks: [any AlertHook], policy: RetryPolicy = RetryPolicy(), maxConcurrent: Int = 8,
                now: @escaping () -> Int64 = HookDispatcher.wallClockMillis,
                random: @escaping () -> Double = { Double.random(in: 0..<1) }) {
        self.store = store
        var byID: [String: any AlertHook] = [:]
        for h in hooks { byID[h.id] = h }
        self.hooks = byID
        self.policy = policy
        self.maxConcurrent = maxConcurrent
        self.clock = now
        self.random = random
    }

    /// Milliseconds since the epoch from the system clock.
    public static func wallClockMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// The configured hook ids, sorted.
    public var hookIDs: [String] { hooks.keys.sorted() }

    /// The result of one pass over the due entries.
    public struct Pass: Equatable, Sendable {
        public var attempted = 0
        public var delivered = 0
        public var failed = 0
    }

    /// Attempts every due entry once (at most `limit`), up to `maxConcurrent` at a time.
    ///
    /// Entries of one batch belong to distinct (alert, hook) pairs — the store holds back later
    /// transitions of an alert while an earlier one is pending — so running them concurrently
    /// never reorders one alert's transitions.
    /// - Parameter isolation: runs on the caller's actor (the store is not `Sendable`).
    public func deliverDue(limit: Int = 1000, isolation: isolated (any Actor)? = #isolation) async throws(AlertStoreError) -> Pass {
        var pass = Pass()
        var blocked: Set<String> = []
        let due = try store.dueDeliveries(at: clock(), hookIDs: hookIDs, limit: limit)
        var start = 0
        while start < due.count {
            let end = min(start + max(maxConcurrent, 1), due.count)
            var batch: [(entry: OutboxEntry, hook: any AlertHook)] = []
            for entry in due[start..<end] where !blocked.contains(entry.hookID) {
                if let hook = hooks[entry.hookID] { batch.append((entry, hook)) }
            }
            start = end
            let requests = batch.map { (hook: $0.hook, request: HookRequest($0.entry)) }
            let outcomes = await withTaskGroup(of: (Int, DeliveryOutcome).self, returning: [DeliveryOutcome?].self) { group in
                for (i, r) in requests.enumerated() {
                    group.addTask { (i, await r.hook.deliver(r.request)) }
                }
                var results = [DeliveryOutcome?](repeating: nil, count: requests.count)
                for await (i, outcome) in group { results[i] = outcome }
                return results
            }
            var updated: [OutboxEntry] = []
            for (i, item) in batch.enumerated() {
                guard let outcome = outcomes[i] else { continue }
                var entry = item.entry
                entry.record(outcome, at: clock(), policy: policy, random: random())
                updated.append(entry)
                pass.attempted += 1
                metrics.attempts.increment()
                switch entry.state {
                case .delivered:
                    pass.delivered += 1
                    metrics.delivered.increment()
                case .failed:
                    pass.failed += 1
                    metrics.failures.increment()
                    metrics.abandoned.increment()
                case .pending:
                    blocked.insert(entry.hookID)
                    metrics.failures.increment()
                }
            }
            try store.update(updated)
        }
        return pass
    }

    /// Delivers until nothing is pending for the configured hooks or `deadline` (epoch ms) passes,
    /// sleeping until the next entry is due between passes.
    /// - Parameter sleep: waits the given milliseconds (injected for tests).
    /// - Returns: whether the outbox is empty of pending entries for these hooks.
    @discardableResult
    public func drain(deadline: Int64, isolation: isolated (any Actor)? = #isolation,
                      sleep: (Int64) async -> Void = { ms in try? await Task.sleep(for: .milliseconds(ms)) }) async throws(AlertStoreError) -> Bool {
        while true {
            let pass = try await deliverDue(isolation: isolation)
            guard let next = try store.nextPendingTime(hookIDs: hookIDs) else { return true }
            let now = clock()
            // Entries released by this pass (a later transition behind a delivered one) go at once;
            // the deadline bounds waiting, not work that is already due.
            if next <= now, pass.attempted > 0 { continue }
            if now >= deadline { return false }
            let wait = min(max(next - now, 1), deadline - now)
            await sleep(wait)
            if Task.isCancelled { return false }
        }
    }
}
