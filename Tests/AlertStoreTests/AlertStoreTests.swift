import Foundation
import Testing
import Events
@testable import AlertStore

func must(_ t: AlertTransition?) throws -> AlertTransition { try #require(t) }

@Suite struct AlertStoreTests {
    let defs = [DetectorDefinition(id: "hot", severity: .critical, kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: 10)))]

    func output(_ action: DetectorAction, device: String = "d1") -> DetectorOutput {
        DetectorOutput(detectorID: "hot", device: device, action: action)
    }

    @Test func storesTheLifecycleAndEnqueuesOneDeliveryPerHookAndTransition() throws {
        let store = try AlertStore(path: ":memory:")
        var book = AlertBook(definitions: defs)
        let fired = try must(book.apply(output(.fire(AlertSignal(time: 1000, message: "hot", value: 11)))))
        #expect(try store.record([fired], hookIDs: ["web", "mqtt"], now: 5) == 2)
        let updated = try must(book.apply(output(.fire(AlertSignal(time: 2000, message: "hotter", value: 12)))))
        #expect(try store.record([updated], hookIDs: ["web", "mqtt"], now: 6) == 0) // updates do not notify
        #expect(try store.openAlerts() == [updated.alert])
        let resolved = try must(book.apply(output(.resolve(time: 3000, message: "ok"))))
        #expect(try store.record([resolved], hookIDs: ["web"], now: 7) == 1)
        #expect(try store.openAlerts().isEmpty)
        #expect(try store.alert(id: fired.alert.id) == resolved.alert)
        let deliveries = try store.deliveries()
        #expect(deliveries.map(\.idempotencyKey) == ["hot:d1:1000/fired", "hot:d1:1000/fired", "hot:d1:1000/resolved"])
        #expect(deliveries.map(\.hookID) == ["web", "mqtt", "web"])
        #expect(deliveries.allSatisfy { $0.state == .pending && $0.attempts == 0 })
        // The body is the transition's JSON and decodes back to it.
        let body = try JSONDecoder().decode(AlertTransition.self, from: Data(deliveries[0].body.utf8))
        #expect(body == fired)
    }

    @Test func recordingTheSameTransitionTwiceEnqueuesOnce() throws {
        let store = try AlertStore(path: ":memory:")
        var book = AlertBook(definitions: defs)
        let fired = try must(book.apply(output(.fire(AlertSignal(time: 1000, message: "hot")))))
        #expect(try store.record([fired], hookIDs: ["web"], now: 1) == 1)
        #expect(try store.record([fired], hookIDs: ["web"], now: 2) == 0)
        #expect(try store.deliveries().count == 1)
    }

    @Test func outboxStateTransitionsAndOrdering() throws {
        let store = try AlertStore(path: ":memory:")
        var book = AlertBook(definitions: defs)
        let fired = try must(book.apply(output(.fire(AlertSignal(time: 1000, message: "hot")))))
        let resolved = try must(book.apply(output(.resolve(time: 2000, message: "ok"))))
        try store.record([fired, resolved], hookIDs: ["web"], now: 100)
        let policy = RetryPolicy(baseDelayMillis: 1000, jitter: 0, maxAttempts: 3)

        // Only the oldest of an alert's deliveries is due: resolved waits for fired.
        var due = try store.dueDeliveries(at: 100, hookIDs: ["web"])
        #expect(due.map(\.transition) == [.fired])
        #expect(try store.dueDeliveries(at: 100, hookIDs: ["other"]).isEmpty)

        var entry = due[0]
        entry.record(.retryable("connection refused"), at: 100, policy: policy, random: 0)
        try store.update(entry)
        #expect(try store.dueDeliveries(at: 500, hookIDs: ["web"]).isEmpty) // fired backs off, resolved still waits
        #expect(try store.nextPendingTime(hookIDs: ["web"]) == 1100) // fired's retry; resolved waits behind it
        due = try store.dueDeliveries(at: 1100, hookIDs: ["web"])
        #expect(due.map(\.transition) == [.fired])
        #expect(due[0].attempts == 1)
        #expect(due[0].lastError == "connection refused")

        entry = due[0]
        entry.record(.delivered, at: 1100, policy: policy, random: 0)
        try store.update(entry)
        due = try store.dueDeliveries(at: 1100, hookIDs: ["web"])
        #expect(due.map(\.transition) == [.resolved])
        entry = due[0]
        entry.record(.permanent("HTTP 410"), at: 1200, policy: policy, random: 0)
        try store.update(entry)
        #expect(try store.dueDeliveries(at: .max, hookIDs: ["web"]).isEmpty)
        #expect(try store.nextPendingTime(hookIDs: ["web"]) == nil)
        #expect(try store.deliveryCounts() == [.delivered: 1, .failed: 1])
    }

    @Test func survivesReopeningAndExposesTheEventsView() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("alertstore-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var book = AlertBook(definitions: defs)
        let fired = try must(book.apply(output(.fire(AlertSignal(time: 1000, message: "hot", value: 11)))))
        do {
            let store = try AlertStore(dataDirectory: dir)
            try store.record([fired], hookIDs: ["web"], now: 1)
        }
        let reopened = try AlertStore(dataDirectory: dir)
        #expect(try reopened.openAlerts() == [fired.alert])
        #expect(try reopened.deliveries().count == 1)
        let rows = try reopened.db.prepare("SELECT time, device, detector, type, severity, state, value FROM events").rows()
        #expect(rows == [[.integer(1000), .text("d1"), .text("hot"), .text("threshold"), .text("critical"), .text("firing"), .real(11)]])
        // The database itself refuses a second open alert for the same detector and device.
        #expect(throws: (any Error).self) {
            try reopened.db.execute("INSERT INTO alerts VALUES ('x', 'hot', 'threshold', 'd1', 'warning', 'firing', 'm', NULL, 1, 1, 1, NULL, NULL, NULL, NULL)")
        }
        #expect(try reopened.db.prepare("PRAGMA journal_mode").rows() == [[.text("wal")]])
    }

    @Test func detectorDefinitionsArePersisted() throws {
        let store = try AlertStore(path: ":memory:")
        let a = DetectorDefinition(id: "b-silent", kind: .absence(AbsenceParameters(timeoutSeconds: 60)))
        try store.saveDetector(defs[0], now: 1)
        try store.saveDetector(a, now: 2)
        #expect(try store.detectors() == [a, defs[0]])
        var changed = defs[0]
        changed.enabled = false
        try store.saveDetector(changed, now: 3)
        #expect(try store.detectors() == [a, changed])
        #expect(try store.deleteDetector(id: "b-silent"))
        #expect(try !store.deleteDetector(id: "b-silent"))
        #expect(try store.detectors() == [changed])
        #expect(throws: AlertStoreError.self) {
            try store.saveDetector(DetectorDefinition(id: "bad id", kind: .absence(AbsenceParameters(timeoutSeconds: 1))), now: 4)
        }
        try store.db.execute("INSERT INTO detectors VALUES ('x', '{not json', 1, 1)")
        #expect(throws: AlertStoreError.corruptRow(table: "detectors", reason: "definition does not decode")) { try store.detectors() }
    }

    @Test func corruptRowsAreTypedErrors() throws {
        let store = try AlertStore(path: ":memory:")
        try store.db.execute("INSERT INTO alerts VALUES ('x', 'hot', 'threshold', 'd1', 'apocalyptic', 'firing', 'm', NULL, 1, 1, 1, NULL, NULL, NULL, NULL)")
        #expect(throws: AlertStoreError.corruptRow(table: "alerts", reason: "unexpected column types or values")) {
            try store.openAlerts()
        }
    }
}

@Suite struct RuleDeliveryStoreTests {
    @Test("rule webhooks: stored with their exact request, due oldest first, retried, delivered, kept across reopening")
    func ruleDeliveriesLifecycle() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rule-outbox-\(UUID().uuidString).sqlite").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let store = try AlertStore(path: path)
        let body: [UInt8] = Array(#"{"temp":35}"#.utf8) + [0xFF]   // bytes kept exactly, even non-UTF-8
        let a = RuleDelivery(idempotencyKey: "hot/1/a", rule: "hot", method: "POST", url: "http://127.0.0.1:9/h",
                             headers: [["X-Sensor", "s1"]], body: body, nextAttemptAt: 100, createdAt: 100)
        var b = a
        b.idempotencyKey = "hot/1/b"
        b.nextAttemptAt = 200
        #expect(try store.enqueue(a))
        #expect(try !store.enqueue(a))   // the same key twice is a no-op
        #expect(try store.enqueue(b))
        #expect(try store.dueRuleDeliveries(at: 150) == [a])
        #expect(try store.nextRuleDeliveryTime() == 100)
        var tried = a
        let policy = RetryPolicy(baseDelayMillis: 1000, jitter: 0)
        tried.record(.retryable("HTTP 503"), at: 150, policy: policy, random: 0.5)
        #expect(tried.state == .pending && tried.attempts == 1 && tried.nextAttemptAt == 1150 && tried.lastError == "HTTP 503")
        try store.update([tried])
        #expect(try store.dueRuleDeliveries(at: 300).map(\.idempotencyKey) == ["hot/1/b"])
        #expect(try store.nextRuleDeliveryTime() == 200)
        var done = b
        done.record(.delivered, at: 300, policy: policy, random: 0.5)
        var refused = tried
        refused.record(.permanent("HTTP 400"), at: 1200, policy: policy, random: 0.5)
        try store.update([done, refused])
        let reopened = try AlertStore(path: path)
        #expect(try reopened.ruleDeliveries() == [refused, done])
        #expect(try reopened.ruleDeliveries().map(\.state) == [.failed, .delivered])
        #expect(try reopened.ruleDeliveries().first?.body == body)
        #expect(try reopened.nextRuleDeliveryTime() == nil)
        // Finished rows are pruned by age; pending ones never.
        #expect(try reopened.enqueue(RuleDelivery(idempotencyKey: "hot/1/c", rule: "hot", method: "PUT", url: "http://h/x",
                                                  headers: [], body: [], nextAttemptAt: 50, createdAt: 50)))
        #expect(try reopened.pruneRuleDeliveries(createdBefore: 100) == 0)
        #expect(try reopened.pruneRuleDeliveries(createdBefore: 101) == 2)
        #expect(try reopened.ruleDeliveries().map(\.idempotencyKey) == ["hot/1/c"])
    }

    @Test("alerts filtered by state, device and detector, paged with the total")
    func filteredAlerts() throws {
        let store = try AlertStore(path: ":memory:")
        let defs = [DetectorDefinition(id: "hot", kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: 10)))]
        var book = AlertBook(definitions: defs)
        var transitions: [AlertTransition] = []
        for (i, device) in ["AA01", "aa01", "bb02"].enumerated() where i != 1 {
            transitions.append(try must(book.apply(DetectorOutput(detectorID: "hot", device: device,
                                                                  action: .fire(AlertSignal(time: Int64(i), message: "m"))))))
        }
        transitions.append(try must(book.apply(DetectorOutput(detectorID: "hot", device: "bb02", action: .resolve(time: 5, message: "ok")))))
        try store.record(transitions, hookIDs: [], now: 0)
        #expect(try store.alerts(state: .firing, device: nil, detectorID: nil, limit: 10, offset: 0).total == 1)
        #expect(try store.alerts(state: nil, device: "aa01", detectorID: nil, limit: 10, offset: 0).items.map(\.device) == ["AA01"])
        let page = try store.alerts(state: nil, device: nil, detectorID: "hot", limit: 1, offset: 1)
        #expect(page.total == 2 && page.items.map(\.device) == ["AA01"])   // newest first: bb02 (t=2), then AA01 (t=0)
        #expect(try store.alerts(state: .resolved, device: nil, detectorID: "other", limit: 10, offset: 0).total == 0)
    }
}
