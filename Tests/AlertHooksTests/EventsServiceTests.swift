import Foundation
import Testing
import AlertStore
import Events
@testable import AlertHooks

/// A hook that reports each request on a stream, so tests await deliveries instead of sleeping.
final class SignallingHook: AlertHook, @unchecked Sendable {
    let id: String
    let outcome: DeliveryOutcome
    let requests: AsyncStream<HookRequest>
    private let continuation: AsyncStream<HookRequest>.Continuation

    init(id: String = "web", outcome: DeliveryOutcome = .delivered) {
        self.id = id
        self.outcome = outcome
        (requests, continuation) = AsyncStream.makeStream(of: HookRequest.self)
    }

    func deliver(_ request: HookRequest) async -> DeliveryOutcome {
        continuation.yield(request)
        return outcome
    }
}

@Suite struct EventsServiceTests {
    let defs = [DetectorDefinition(id: "hot", kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: 10)))]

    @Test func ingestedAlertsAreDeliveredByTheRunningLoop() async throws {
        let hook = SignallingHook()
        let service = try EventsService(storePath: ":memory:", definitions: defs, hooks: [hook])
        let loop = Task { await service.runDelivery() }
        defer { loop.cancel() }
        let fired = try await service.ingest(Sample(time: 1000, device: "d1", metric: "t", value: 11))
        #expect(fired.map(\.transition) == [.fired])
        let still = try await service.ingest(Sample(time: 2000, device: "d1", metric: "t", value: 12))
        #expect(still.isEmpty) // the threshold is already firing
        let resolved = try await service.ingest(Sample(time: 3000, device: "d1", metric: "t", value: 5))
        #expect(resolved.map(\.transition) == [.resolved])
        var received: [String] = []
        for await r in hook.requests {
            received.append(r.idempotencyKey)
            if received.count == 2 { break }
        }
        #expect(received == ["hot:d1:1000/fired", "hot:d1:1000/resolved"])
    }

    @Test func pendingDeliveriesFromAnEarlierProcessGoOutAtStart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("events-service-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            // First process: the receiver is down and the loop never runs (it "crashed").
            let down = SignallingHook(outcome: .retryable("refused"))
            let first = try EventsService(dataDirectory: dir, definitions: defs, hooks: [down])
            _ = try await first.ingest(Sample(time: 1000, device: "d1", metric: "t", value: 11))
            #expect(try await first.deliveryCounts() == [.pending: 1])
        }
        let up = SignallingHook()
        let second = try EventsService(dataDirectory: dir, definitions: defs, hooks: [up])
        let loop = Task { await second.runDelivery() }
        defer { loop.cancel() }
        var it = up.requests.makeAsyncIterator()
        let request = await it.next()
        #expect(request?.idempotencyKey == "hot:d1:1000/fired")
        // The alert is still open after the restart: the next fire updates it instead of opening another.
        let again = try await second.ingest(Sample(time: 5000, device: "d1", metric: "t", value: 11))
        #expect(again.map(\.transition) == [.updated])
    }
}

@Suite struct EventsServiceAcknowledgeTests {
    @Test func acknowledgingNotifiesHooksOnceAndUnknownIdsAreErrors() async throws {
        let defs = [DetectorDefinition(id: "hot", kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: 10)))]
        let hook = SignallingHook()
        let service = try EventsService(storePath: ":memory:", definitions: defs, hooks: [hook], now: { 42 })
        let fired = try await service.ingest(Sample(time: 1000, device: "d1", metric: "t", value: 11))
        let id = try #require(fired.first?.alert.id)
        let ack = try await service.acknowledge(id: id, by: "ops")
        #expect(ack?.alert.state == .acknowledged)
        #expect(ack?.alert.acknowledgedAt == 42)
        #expect(try await service.acknowledge(id: id, by: "ops") == nil)
        await #expect(throws: EventsError.alertNotFound(id: "nope")) { try await service.acknowledge(id: "nope", by: nil) }
        let loop = Task { await service.runDelivery() }
        defer { loop.cancel() }
        var keys: [String] = []
        for await r in hook.requests {
            keys.append(r.idempotencyKey)
            if keys.count == 2 { break }
        }
        #expect(keys == ["hot:d1:1000/fired", "hot:d1:1000/acknowledged"])
        let open = try await service.alerts(openOnly: true, limit: 10)
        #expect(open.map(\.state) == [.acknowledged])
    }
}

@Suite struct EventsServiceStateTests {
    let defs = [DetectorDefinition(id: "freezer", kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: -15,
                                                                                       durationSeconds: 600)))]

    func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("events-state-\(UUID().uuidString)").path
    }

    @Test func aPendingDurationSurvivesARestart() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let first = try EventsService(dataDirectory: dir, definitions: defs, hooks: [])
            #expect(try await first.ingest(Sample(time: 1_000, device: "d1", metric: "t", value: -10)).isEmpty)
            #expect(try await first.saveStateIfDue(intervalMillis: 0))
            #expect(try await first.saveStateIfDue(intervalMillis: 0) == false)   // nothing changed since
            // 480 s later the freezer is still warm; then the process stops.
            #expect(try await first.ingest(Sample(time: 481_000, device: "d1", metric: "t", value: -11)).isEmpty)
            try await first.saveState()
        }
        let second = try EventsService(dataDirectory: dir, definitions: defs, hooks: [])
        #expect(second.restoreNotes.isEmpty)
        #expect(try await second.tick(now: 600_000).isEmpty)
        let fired = try await second.tick(now: 601_000)
        #expect(fired.map(\.transition) == [.fired])
        #expect(fired.first?.alert.firedAt == 601_000)   // 600 s after the first warm sample, not after the restart
    }

    @Test func corruptAndIncompatibleStoredStateIsDiscardedWithANote() async throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try AlertStore(dataDirectory: dir)
        var record = DetectorStateRecord(detector: "freezer", savedAt: 0, definition: defs[0], instances: [
            .init(device: "d1", threshold: .init(phase: "pending", since: 1_000, lastValue: -10)),
        ])
        record.version = 99
        try store.replaceDetectorStates([("freezer", 99, 0, try record.encoded()), ("ghost", 1, 0, Array("{not json".utf8))])
        let service = try EventsService(dataDirectory: dir, definitions: defs, hooks: [])
        #expect(service.restoreNotes.count == 2)
        #expect(service.restoreNotes.contains { $0.contains("'freezer'") && $0.contains("format version 99") })
        #expect(service.restoreNotes.contains { $0.contains("'ghost'") && $0.contains("corrupt") })
        #expect(try await service.tick(now: 700_000).isEmpty)   // started afresh: nothing pending
        // The next save replaces the bad rows.
        _ = try await service.ingest(Sample(time: 700_000, device: "d1", metric: "t", value: -10))
        try await service.saveState()
        #expect(try store.detectorStates().map(\.detectorID) == ["freezer"])
    }
}
