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
