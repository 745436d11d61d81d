import AlertStore
public import Events
import Foundation

/// Detectors, alert book, store and hook delivery behind one actor, for the server to compose.
///
/// The server feeds it samples (`ingest`) as uplinks are decoded, calls `tick(now:)` on a timer
/// (once a second is plenty) so silence and timers are noticed, and runs `runDelivery()` in a task
/// for the process lifetime: it drains the outbox at start (deliveries left by a crash), then wakes
/// whenever a transition is recorded or a retry falls due.
///
/// ```swift
/// let events = try EventsService(dataDirectory: dir, definitions: defs, hooks: [webhook])
/// group.addTask { await events.runDelivery() }
/// let transitions = try await events.ingest(sample)   // also publish them on MQTT, log, …
/// ```
public actor EventsService {
    private var engine: DetectorEngine
    private var book: AlertBook
    private let store: AlertStore
    private let dispatcher: HookDispatcher
    private let hookIDs: [String]
    private let clock: @Sendable () -> Int64
    private let wakeStream: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - storePath: the SQLite file (or ":memory:"); see `init(dataDirectory:…)` for the usual path.
    ///   - now: the wall clock in epoch milliseconds, for outbox timing (injected for tests).
    public init(storePath: String, definitions: [DetectorDefinition], hooks: [any AlertHook],
                policy: RetryPolicy = RetryPolicy(), now: @escaping @Sendable () -> Int64 = { HookDispatcher.wallClockMillis() }) throws {
        let store = try AlertStore(path: storePath)
        self.engine = try DetectorEngine(definitions: definitions)
        self.book = AlertBook(definitions: definitions, openAlerts: try store.openAlerts())
        self.store = store
        self.dispatcher = HookDispatcher(store: store, hooks: hooks, policy: policy, now: now)
        self.hookIDs = dispatcher.hookIDs
        self.clock = now
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Opens `<dataDirectory>/events.sqlite`.
    public init(dataDirectory: String, definitions: [DetectorDefinition], hooks: [any AlertHook],
                policy: RetryPolicy = RetryPolicy()) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try self.init(storePath: (dataDirectory as NSString).appendingPathComponent(AlertStore.fileName),
                      definitions: definitions, hooks: hooks, policy: policy)
    }

    /// Feeds one sample; returns the alert transitions it caused (already durable, hooks enqueued).
    public func ingest(_ sample: Sample) throws -> [AlertTransition] {
        try commit(engine.observe(sample))
    }

    /// Advances time-based detectors to `now` (epoch ms).
    public func tick(now: Int64) throws -> [AlertTransition] {
        try commit(engine.tick(now: now))
    }

    /// Acknowledges an open alert.
    public func acknowledge(id: String, by who: String?) throws -> AlertTransition? {
        guard let t = try book.acknowledge(id: id, by: who, at: clock()) else { return nil }
        try store.record([t], hookIDs: hookIDs, now: clock())
        wake.yield()
        return t
    }

    /// Alerts, newest first (for the HTTP API).
    public func alerts(openOnly: Bool, limit: Int) throws -> [Alert] {
        try store.alerts(openOnly: openOnly, limit: limit)
    }

    /// Outbox entries by state.
    public func deliveryCounts() throws -> [DeliveryState: Int] {
        try store.deliveryCounts()
    }

    private func commit(_ outputs: [DetectorOutput]) throws -> [AlertTransition] {
        let transitions = book.apply(outputs)
        if try store.record(transitions, hookIDs: hookIDs, now: clock()) > 0 { wake.yield() }
        return transitions
    }

    /// Delivers the outbox until the task is cancelled: pending entries from before a restart
    /// first, then each new one as it is recorded, retries when they fall due.
    public func runDelivery(idleWakeMillis: Int64 = 60_000) async {
        var wakeups = wakeStream.makeAsyncIterator()
        while !Task.isCancelled {
            do {
                _ = try await dispatcher.drain(deadline: clock())
            } catch {
                // A store error here is an operator's problem (disk full, file removed); keep trying.
            }
            let next = (try? store.nextPendingTime(hookIDs: hookIDs)) ?? nil
            let wait = max(1, min(idleWakeMillis, (next ?? .max) - clock()))
            let continuation = wake
            let timer = Task {
                try? await Task.sleep(for: .milliseconds(wait))
                continuation.yield()
            }
            let woke: Void? = await wakeups.next(isolation: self)
            timer.cancel()
            if woke == nil { return }
        }
    }
}
