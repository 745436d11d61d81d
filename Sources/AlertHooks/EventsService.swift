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
    /// New rule webhooks and finished attempts waiting for the next group commit, and the keys in
    /// flight; shared with the rules service without entering the actor.
    private nonisolated let ruleQueue: RuleWebhookQueue
    private let ruleWakeStream: AsyncStream<Void>
    /// Whether `rule_deliveries` may hold pending rows that no in-process attempt owns (after a
    /// restart, a retryable failure or an overflow): the delivery loop queries the table only then.
    private var ruleBacklog = true

    /// - Parameters:
    ///   - storePath: the SQLite file (or ":memory:"); see `init(dataDirectory:…)` for the usual path.
    ///   - now: the wall clock in epoch milliseconds, for outbox timing (injected for tests).
    ///   - ruleWebhooks: sends rules' `webhook` actions (nil: such actions fail with an error).
    ///   - rulePolicy: the retry policy of rule webhooks.
    public init(storePath: String, definitions: [DetectorDefinition], hooks: [any AlertHook],
                policy: RetryPolicy = RetryPolicy(), ruleWebhooks: RuleWebhookSender? = nil, rulePolicy: RetryPolicy = RetryPolicy(),
                now: @escaping @Sendable () -> Int64 = { HookDispatcher.wallClockMillis() }) throws {
        let store = try AlertStore(path: storePath)
        var engine = try DetectorEngine(definitions: definitions)
        self.restoreNotes = Self.restoreState(into: &engine, from: store)
        self.engine = engine
        self.savedChangeCount = engine.changeCount
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
        let (ruleWakeStream, ruleWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.ruleWakeStream = ruleWakeStream
        self.ruleQueue = RuleWebhookQueue(wake: ruleWake)
    }

    /// What restoring the detectors' stored state at start-up skipped and why (incompatible version,
    /// corrupt record, changed definition), one line each, for the caller to log.
    public nonisolated let restoreNotes: [String]
    /// The engine's change count when its state was last saved (nil: definitions changed since).
    private var savedChangeCount: UInt64?
    private var lastStateSave: Int64 = 0

    /// Loads the stored detector state into a fresh engine; returns what was skipped.
    static func restoreState(into engine: inout DetectorEngine, from store: AlertStore) -> [String] {
        let rows: [AlertStore.StoredDetectorState]
        do { rows = try store.detectorStates() } catch { return ["stored detector state unreadable, every detector starts afresh: \(error)"] }
        var notes: [String] = []
        var records: [DetectorStateRecord] = []
        for row in rows {
            do { records.append(try DetectorStateRecord.decode(row.state, detector: row.detectorID)) } catch {
                notes.append("\(error); discarded, the detector starts afresh")
            }
        }
        return notes + engine.restore(records)
    }

    /// Saves every detector's progress (pending breaches, last-seen times, windows, model states
    /// and timers) to the store, replacing what was there, so that a restart resumes it. `serve`
    /// calls this every few seconds when something changed, and at shutdown.
    ///
    /// The snapshot is taken on the actor (cheap: value copies); encoding it — the expensive part,
    /// ≈ 35 µs per instance — runs off the actor, so samples keep flowing meanwhile. A save that
    /// finishes after a newer one has started is dropped rather than overwriting newer state.
    public func saveState() async throws {
        let now = clock()
        let records = engine.stateRecords(savedAt: now)
        let changeCount = engine.changeCount
        let generation = definitionsGeneration
        stateSaveSequence &+= 1
        let sequence = stateSaveSequence
        let rows = try await Task.detached {
            try records.map { (detectorID: $0.detector, formatVersion: $0.version, savedAt: now, state: try $0.encoded()) }
        }.value
        guard sequence == stateSaveSequence else { return }
        try store.replaceDetectorStates(rows)
        // What was saved is the engine as of the snapshot; a reload meanwhile made a new engine
        // (whose change count starts again), which still needs saving.
        savedChangeCount = generation == definitionsGeneration ? changeCount : nil
        lastStateSave = now
    }

    private var stateSaveSequence: UInt64 = 0
    /// Counts replacements of the running definitions (each makes a new engine).
    private var definitionsGeneration: UInt64 = 0

    /// Saves the state when it changed and `intervalMillis` passed since the last save.
    /// - Returns: whether it saved.
    @discardableResult
    public func saveStateIfDue(intervalMillis: Int64) async throws -> Bool {
        guard savedChangeCount != engine.changeCount, clock() - lastStateSave >= intervalMillis else { return false }
        try await saveState()
        return true
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
        savedChangeCount = nil
        definitionsGeneration &+= 1
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
        savedChangeCount = nil
        definitionsGeneration &+= 1
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

    /// Queues a rule webhook request for the outbox and returns its idempotency key at once.
    ///
    /// The request is committed to `rule_deliveries` by the next group commit (``runDelivery()``
    /// commits everything queued since the last one in one transaction) and only then attempted,
    /// so it is durable before its first attempt; every attempt sends the same bytes, signature
    /// and key. Called from the rules service without entering the actor, so evaluating rules
    /// never waits behind SQLite or HTTP.
    /// - Throws: when no rule-webhook sender is configured.
    @discardableResult
    public nonisolated func enqueueRuleWebhook(rule: String, method: String, url: String, headers: [(name: String, value: String)],
                                               body: [UInt8], time: Int64) throws -> String {
        guard ruleSender != nil else { throw AlertHooksError.invalidHook(id: "rules", reason: "no rule webhook secret configured") }
        let key = "\(rule)/\(time)/\(UUID().uuidString.lowercased())"
        ruleQueue.add(RuleDelivery(idempotencyKey: key, rule: rule, method: method, url: url,
                                   headers: headers.map { [$0.name, $0.value] }, body: body, nextAttemptAt: 0, createdAt: 0))
        return key
    }

    /// One group commit: the rule webhooks queued since the last one are inserted and the outcomes
    /// of finished attempts recorded, all in one transaction; then the new ones are handed off for
    /// their first attempt (up to `ruleConcurrency` in flight; the rest wait in the table, due now,
    /// for the delivery loop). A first attempt's row is leased (not due) for the request timeout
    /// plus a second so the loop does not pick it up meanwhile; a restart releases every lease.
    /// When the commit fails, the batch stays queued for the next try (nothing is attempted).
    func commitRuleWebhooks() {
        guard let sender = ruleSender else { return }
        let (fresh, finished) = ruleQueue.take()
        guard !fresh.isEmpty || !finished.isEmpty else { return }
        let now = clock()
        let lease = Int64((sender.timeoutSeconds + 1) * 1000)
        var free = ruleConcurrency - (ruleQueue.inFlightCount - finished.count)
        var rows: [RuleDelivery] = []
        var handOff: [RuleDelivery] = []
        // Whether the delivery loop has work: overflow rows, retries, a failed commit. Handed-off
        // first attempts do not wake it, so a steady flow of webhooks costs it nothing.
        var needLoop = false
        rows.reserveCapacity(fresh.count)
        for var d in fresh {
            d.createdAt = now
            if free > 0 {
                free -= 1
                d.nextAttemptAt = now + lease
                handOff.append(d)
            } else {
                d.nextAttemptAt = now
                needLoop = true
            }
            rows.append(d)
        }
        var outcomes: [RuleDelivery] = []
        outcomes.reserveCapacity(finished.count)
        for (delivery, outcome) in finished {
            var d = delivery
            d.record(outcome, at: now, policy: rulePolicy, random: Double.random(in: 0..<1))
            if d.state == .pending { needLoop = true }
            outcomes.append(d)
        }
        do {
            try store.commitRuleWebhooks(new: rows, outcomes: outcomes)
        } catch {
            // Kept in memory and committed on a later try (the disk may be full for a while).
            ruleQueue.putBack(fresh: fresh, finished: finished)
            let queue = ruleQueue
            Task.detached {
                try? await Task.sleep(for: .milliseconds(500))
                queue.poke()
            }
            return
        }
        ruleQueue.finish(finished.map(\.0.idempotencyKey), start: handOff.map(\.idempotencyKey))
        let queue = ruleQueue
        for d in handOff {
            // Detached: the attempt need not start on (and wait for) the actor.
            Task.detached {
                let outcome = await sender.deliver(d)
                queue.finished(d, outcome)
            }
        }
        if needLoop {
            ruleBacklog = true
            wake.yield()
        }
    }

    /// Commits queued rule webhooks and outcomes whenever there are some, until cancelled.
    func runRuleCommits() async {
        var wakeups = ruleWakeStream.makeAsyncIterator()
        while !Task.isCancelled {
            commitRuleWebhooks()
            guard await wakeups.next(isolation: self) != nil else { break }
        }
        // At shutdown: what the rules queued last is committed (and sent by the next process).
        commitRuleWebhooks()
    }

    /// Rule webhook deliveries (tests, diagnostics).
    public func ruleDeliveries() throws -> [RuleDelivery] {
        try store.ruleDeliveries()
    }

    /// One pass over the due rule webhooks, `ruleConcurrency` at a time. A retryable failure holds
    /// back the rest of that URL's entries until the next pass (the receiver is probably down).
    func deliverDueRuleWebhooks() async throws {
        guard let sender = ruleSender, ruleBacklog else { return }
        commitRuleWebhooks()   // outcomes first, so that a finished attempt is not repeated
        let due = try store.dueRuleDeliveries(at: clock(), limit: 512).filter { !ruleQueue.isInFlight($0.idempotencyKey) }
        if due.isEmpty, !(try store.hasPendingRuleDeliveries()) { ruleBacklog = false }
        var blocked: Set<String> = []
        var start = 0
        while start < due.count {
            let end = min(start + 16, due.count)
            let batch = due[start..<end].filter { !blocked.contains($0.url) && ruleQueue.claim($0.idempotencyKey) }
            start = end
            defer { ruleQueue.finish(batch.map(\.idempotencyKey), start: []) }
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
        await withDiscardingTaskGroup { group in
            group.addTask { await self.runRuleCommits() }
            await runAlertDelivery(idleWakeMillis: idleWakeMillis)
            group.cancelAll()
        }
    }

    private func runAlertDelivery(idleWakeMillis: Int64) async {
        var wakeups = wakeStream.makeAsyncIterator()
        while !Task.isCancelled {
            do {
                _ = try await dispatcher.drain(deadline: clock())
                try await deliverDueRuleWebhooks()
            } catch {
                // A store error here is an operator's problem (disk full, file removed); keep trying.
            }
            let nextAlert = (try? store.nextPendingTime(hookIDs: hookIDs)) ?? nil
            let nextRule = ruleSender == nil || !ruleBacklog ? nil : ((try? store.nextRuleDeliveryTime()) ?? nil)
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

/// Rule webhooks between the rules service and the events actor: new requests and finished
/// attempts waiting for the next group commit, and the idempotency keys being attempted now
/// (a key is never attempted twice at once). Lock-protected so producers never enter the actor.
final class RuleWebhookQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var fresh: [RuleDelivery] = []
    private var finishedAttempts: [(RuleDelivery, DeliveryOutcome)] = []
    private var inFlight: Set<String> = []
    private let wake: AsyncStream<Void>.Continuation

    init(wake: AsyncStream<Void>.Continuation) {
        self.wake = wake
    }

    /// Queues a new request and wakes the committer.
    func add(_ d: RuleDelivery) {
        lock.withLock { fresh.append(d) }
        wake.yield()
    }

    /// Records a finished first attempt (its key stays in flight until the outcome is committed).
    func finished(_ d: RuleDelivery, _ outcome: DeliveryOutcome) {
        lock.withLock { finishedAttempts.append((d, outcome)) }
        wake.yield()
    }

    /// Everything queued since the last take.
    func take() -> (fresh: [RuleDelivery], finished: [(RuleDelivery, DeliveryOutcome)]) {
        lock.withLock {
            defer { fresh = []; finishedAttempts = [] }
            return (fresh, finishedAttempts)
        }
    }

    /// Returns a batch whose commit failed, ahead of anything queued since.
    func putBack(fresh batch: [RuleDelivery], finished done: [(RuleDelivery, DeliveryOutcome)]) {
        lock.withLock {
            fresh = batch + fresh
            finishedAttempts = done + finishedAttempts
        }
    }

    /// Ends the keys whose outcome is committed and starts the handed-off ones.
    func finish(_ done: [String], start: [String]) {
        lock.withLock {
            for k in done { inFlight.remove(k) }
            for k in start { inFlight.insert(k) }
        }
    }

    /// Marks a key in flight unless it already is; returns whether this caller owns the attempt.
    func claim(_ key: String) -> Bool {
        lock.withLock { inFlight.insert(key).inserted }
    }

    /// Wakes the committer.
    func poke() { wake.yield() }

    func isInFlight(_ key: String) -> Bool { lock.withLock { inFlight.contains(key) } }

    var inFlightCount: Int { lock.withLock { inFlight.count } }
}
