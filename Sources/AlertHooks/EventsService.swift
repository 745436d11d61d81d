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
    /// Whether any detector is defined, readable without entering the actor: the uplink pipeline
    /// skips feeding samples when there is none, so it never waits behind the actor's outbox work.
    public nonisolated let hasDetectors = DetectorPresence()

    private var engine: DetectorEngine
    private var book: AlertBook
    private let store: AlertStore
    private let dispatcher: HookDispatcher
    private let hookIDs: [String]
    private let clock: @Sendable () -> Int64
    private let wakeStream: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let ruleSender: RuleWebhookSender?
    private let rulePolicy: RetryPolicy
    /// Rule-webhook attempts in flight at once (first attempts handed off directly, plus retries).
    private let ruleConcurrency = 64
    /// Idempotency keys of rule webhooks being attempted now (never attempted twice at once).
    private var ruleInFlight: Set<String> = []

    /// - Parameters:
    ///   - storePath: the SQLite file (or ":memory:"); see `init(dataDirectory:…)` for the usual path.
    ///   - now: the wall clock in epoch milliseconds, for outbox timing (injected for tests).
    ///   - ruleWebhooks: sends rules' `webhook` actions (nil: such actions fail with an error).
    ///   - rulePolicy: the retry policy of rule webhooks.
    public init(storePath: String, definitions: [DetectorDefinition], hooks: [any AlertHook],
                policy: RetryPolicy = RetryPolicy(), ruleWebhooks: RuleWebhookSender? = nil, rulePolicy: RetryPolicy = RetryPolicy(),
                now: @escaping @Sendable () -> Int64 = { HookDispatcher.wallClockMillis() }) throws {
        let store = try AlertStore(path: storePath)
        self.engine = try DetectorEngine(definitions: definitions)
        self.book = AlertBook(definitions: definitions, openAlerts: try store.openAlerts())
        self.store = store
        self.dispatcher = HookDispatcher(store: store, hooks: hooks, policy: policy, now: now)
        self.hookIDs = dispatcher.hookIDs
        self.clock = now
        self.ruleSender = ruleWebhooks
        self.rulePolicy = rulePolicy
        hasDetectors.set(!definitions.isEmpty)
        // Nothing is in flight in a new process: every pending rule webhook is due now.
        try store.releaseRuleDeliveryLeases(now: now())
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

    /// Feeds the samples of one uplink in one call; returns the transitions they caused.
    public func ingest(_ samples: [Sample]) throws -> [AlertTransition] {
        guard !engine.definitions.isEmpty else { return [] }
        var outputs: [DetectorOutput] = []
        for sample in samples { outputs += engine.observe(sample) }
        return try commit(outputs)
    }

    /// The stored detector definitions, by id.
    public func storedDetectors() throws -> [DetectorDefinition] {
        try store.detectors()
    }

    /// Stores a detector definition and runs it at once (hot reload).
    /// - Parameter replace: false refuses an id that exists (returns false, changes nothing).
    /// - Returns: whether it was stored.
    /// - Throws: `AlertStoreError.invalidDefinition` when it does not validate.
    @discardableResult
    public func saveDetector(_ definition: DetectorDefinition, replace: Bool) throws -> Bool {
        var all = try store.detectors()
        if let i = all.firstIndex(where: { $0.id == definition.id }) {
            guard replace else { return false }
            all[i] = definition
        } else {
            all.append(definition)
        }
        all.sort { $0.id < $1.id }   // the store's order, so that reloadIfStoreChanged sees no change
        let engine = try engine.reloaded(with: all)   // validates before anything is stored
        try store.saveDetector(definition, now: clock())
        self.engine = engine
        book.update(definitions: all)
        hasDetectors.set(!all.isEmpty)
        return true
    }

    /// Deletes a stored detector and stops running it; returns whether it existed. Its alerts stay.
    @discardableResult
    public func deleteDetector(id: String) throws -> Bool {
        guard try store.deleteDetector(id: id) else { return false }
        try reload(definitions: try store.detectors())
        return true
    }

    /// Reloads the detectors when the stored definitions differ from the running ones (another
    /// process, such as `lorikeet events detectors import`, changed them). Returns whether it did.
    @discardableResult
    public func reloadIfStoreChanged() throws -> Bool {
        let stored = try store.detectors()
        guard stored != engine.definitions else { return false }
        try reload(definitions: stored)
        return true
    }

    /// Advances time-based detectors to `now` (epoch ms). Once an hour it also deletes finished
    /// rule-webhook deliveries older than `ruleDeliveryRetentionMillis`.
    public func tick(now: Int64) throws -> [AlertTransition] {
        if now - lastPrune >= 3_600_000 {
            lastPrune = now
            try store.pruneRuleDeliveries(createdBefore: clock() - ruleDeliveryRetentionMillis)
        }
        return try commit(engine.tick(now: now))
    }

    /// How long delivered or failed rule webhooks stay in `rule_deliveries` (7 days).
    public let ruleDeliveryRetentionMillis: Int64 = 7 * 86_400_000
    private var lastPrune: Int64 = 0

    /// Acknowledges an open alert.
    public func acknowledge(id: String, by who: String?) throws -> AlertTransition? {
        guard let t = try book.acknowledge(id: id, by: who, at: clock()) else { return nil }
        try store.record([t], hookIDs: hookIDs, now: clock())
        wake.yield()
        return t
    }

    /// Resolves an open alert by hand (HTTP API); nil when it was already resolved.
    /// - Throws: `EventsError.alertNotFound` for an unknown id.
    public func resolve(id: String, message: String?) throws -> AlertTransition? {
        guard let known = try store.alert(id: id) else { throw EventsError.alertNotFound(id: id) }
        guard known.isOpen else { return nil }
        guard let t = try book.resolve(id: id, at: clock(), message: message) else { return nil }
        try store.record([t], hookIDs: hookIDs, now: clock())
        wake.yield()
        return t
    }

    /// One alert by id.
    public func alert(id: String) throws -> Alert? {
        try store.alert(id: id)
    }

    /// Alerts matching the filters, newest first, one page, and the number matching in all.
    public func alerts(state: AlertState?, device: String?, detectorID: String?, limit: Int, offset: Int) throws -> (items: [Alert], total: Int) {
        try store.alerts(state: state, device: device, detectorID: detectorID, limit: limit, offset: offset)
    }

    /// The detector definitions running now.
    public var definitions: [DetectorDefinition] { engine.definitions }

    /// Replaces the running detectors (after a change through the HTTP API or the CLI). Unchanged
    /// detectors keep their state; a changed or new one starts afresh (its open alerts stay open
    /// and deduplicate new fires).
    /// - Throws: `EventsError` when a definition does not validate (nothing changes then).
    public func reload(definitions: [DetectorDefinition]) throws {
        let engine = try engine.reloaded(with: definitions)
        self.engine = engine
        book.update(definitions: definitions)
        hasDetectors.set(!definitions.isEmpty)
    }

    /// Opens (or refreshes: `updated`) an alert for a rule's `alert` action, with the hooks called
    /// for a new one. The alert's detector id is `rule.<name>` (the action's name, with characters
    /// outside `[A-Za-z0-9._-]` replaced by `_`), its device the action's dedup key, its type `rule`.
    public func raiseRuleAlert(name: String, severity: Severity, message: String, dedupKey: String, time: Int64) throws -> AlertTransition? {
        let id = "rule." + String(name.unicodeScalars.map { s -> Character in
            s.isASCII && (CharacterSet.alphanumerics.contains(s) || s == "." || s == "_" || s == "-") ? Character(s) : "_"
        }.prefix(59))
        book.registerSource(id: id, type: "rule")
        let output = DetectorOutput(detectorID: id, device: dedupKey,
                                    action: .fire(AlertSignal(time: time, message: message.isEmpty ? name : message, severity: severity)))
        let transitions = try commit([output])
        return transitions.first
    }

    /// Stores a rule webhook request in the outbox (durable before this returns) and wakes delivery.
    /// - Returns: the idempotency key.
    /// - Throws: when no rule-webhook sender is configured, or the store fails.
    @discardableResult
    public func enqueueRuleWebhook(rule: String, method: String, url: String, headers: [(name: String, value: String)],
                                   body: [UInt8], time: Int64) throws -> String {
        guard ruleSender != nil else { throw AlertHooksError.invalidHook(id: "rules", reason: "no rule webhook secret configured") }
        let now = clock()
        let key = "\(rule)/\(time)/\(UUID().uuidString.lowercased())"
        // The first attempt starts at once (the row is committed first, so a crash from here on only
        // repeats it after the restart); retries and overflow go through the delivery loop. A row
        // handed off this way is leased (not due) for the request timeout plus a second, so that
        // the loop does not pick it up meanwhile; a restart releases every lease.
        let handOff = ruleInFlight.count < ruleConcurrency
        let lease = handOff ? Int64(((ruleSender?.timeoutSeconds ?? 10) + 1) * 1000) : 0
        let delivery = RuleDelivery(idempotencyKey: key, rule: rule, method: method, url: url,
                                    headers: headers.map { [$0.name, $0.value] }, body: body, nextAttemptAt: now + lease, createdAt: now)
        try store.enqueue(delivery)
        if let sender = ruleSender, handOff {
            ruleInFlight.insert(key)
            Task {
                let outcome = await sender.deliver(delivery)
                await self.recordRuleOutcome(delivery, outcome)
            }
        } else {
            wake.yield()
        }
        return key
    }

    /// Stores the outcome of a directly handed-off first attempt.
    private func recordRuleOutcome(_ delivery: RuleDelivery, _ outcome: DeliveryOutcome) {
        var d = delivery
        d.record(outcome, at: clock(), policy: rulePolicy, random: Double.random(in: 0..<1))
        ruleInFlight.remove(d.idempotencyKey)
        do { try store.update([d]) } catch {
            // The row stays pending and the loop attempts it again: at-least-once, same key.
        }
        if d.state == .pending { wake.yield() }
    }

    /// Rule webhook deliveries (tests, diagnostics).
    public func ruleDeliveries() throws -> [RuleDelivery] {
        try store.ruleDeliveries()
    }

    /// One pass over the due rule webhooks, `ruleConcurrency` at a time. A retryable failure holds
    /// back the rest of that URL's entries until the next pass (the receiver is probably down).
    func deliverDueRuleWebhooks() async throws {
        guard let sender = ruleSender else { return }
        let due = try store.dueRuleDeliveries(at: clock(), limit: 512).filter { !ruleInFlight.contains($0.idempotencyKey) }
        var blocked: Set<String> = []
        var start = 0
        while start < due.count {
            let end = min(start + 16, due.count)
            let batch = due[start..<end].filter { !blocked.contains($0.url) && !ruleInFlight.contains($0.idempotencyKey) }
            start = end
            for d in batch { ruleInFlight.insert(d.idempotencyKey) }
            defer { for d in batch { ruleInFlight.remove(d.idempotencyKey) } }
            let outcomes = await withTaskGroup(of: (Int, DeliveryOutcome).self, returning: [DeliveryOutcome?].self) { group in
                for (i, d) in batch.enumerated() {
                    group.addTask { (i, await sender.deliver(d)) }
                }
                var results = [DeliveryOutcome?](repeating: nil, count: batch.count)
                for await (i, o) in group { results[i] = o }
                return results
            }
            var updated: [RuleDelivery] = []
            for (i, var d) in batch.enumerated() {
                guard let outcome = outcomes[i] else { continue }
                d.record(outcome, at: clock(), policy: rulePolicy, random: Double.random(in: 0..<1))
                if d.state == .pending { blocked.insert(d.url) }
                updated.append(d)
            }
            try store.update(updated)
        }
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
                try await deliverDueRuleWebhooks()
            } catch {
                // A store error here is an operator's problem (disk full, file removed); keep trying.
            }
            let nextAlert = (try? store.nextPendingTime(hookIDs: hookIDs)) ?? nil
            let nextRule = ruleSender == nil ? nil : ((try? store.nextRuleDeliveryTime()) ?? nil)
            let next = [nextAlert, nextRule].compactMap { $0 }.min()
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

/// A flag shared between the events actor and its callers (set by the actor, read by anyone).
public final class DetectorPresence: @unchecked Sendable {
    private let lock = NSLock()
    private var present = false

    /// Whether any detector is defined.
    public var value: Bool { lock.withLock { present } }

    func set(_ v: Bool) { lock.withLock { present = v } }
}
