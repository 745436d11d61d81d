import Foundation
import Testing
import AlertStore
import Events
@testable import AlertHooks

@Suite struct HMACTests {
    // RFC 4231 §4.3 (test case 2) and §4.2 (test case 1).
    @Test func rfc4231Vectors() {
        #expect(HMACSHA256.hex(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMACSHA256.hex(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test func webhookRequestCarriesSignatureAndIdempotencyKey() throws {
        let hook = try WebhookHook(url: try #require(URL(string: "http://127.0.0.1:9/hook")), secret: "Jefe")
        let request = HookRequest(idempotencyKey: "a:d:1/fired", alertID: "a:d:1", transition: .fired,
                                  body: Data("what do ya want for nothing?".utf8), attempt: 3)
        let r = hook.webhookRequest(for: request)
        #expect(r.method == "POST")
        #expect(r.url == "http://127.0.0.1:9/hook")
        #expect(r.header("x-lorikeet-signature") == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(r.header("Idempotency-Key") == "a:d:1/fired")
        #expect(r.header("X-Lorikeet-Attempt") == "3")
        #expect(r.header("X-Lorikeet-Event") == "fired")
        #expect(r.header("Content-Type") == "application/json")
        #expect(r.body == Array(request.body))
    }

    @Test func ruleWebhookRequestKeepsActionHeadersButOursWin() throws {
        let sender = try RuleWebhookSender(secret: "Jefe")
        let body = Array("what do ya want for nothing?".utf8)
        let d = RuleDelivery(idempotencyKey: "r/1/u", rule: "r", method: "PUT", url: "http://127.0.0.1:9/x",
                             headers: [["X-Custom", "1"], ["Idempotency-Key", "forged"], ["content-type", "text/plain"]],
                             body: body, nextAttemptAt: 0, createdAt: 0)
        let r = sender.webhookRequest(for: d)
        #expect(r.method == "PUT")
        #expect(r.header("X-Custom") == "1")
        #expect(r.header("Idempotency-Key") == "r/1/u")
        #expect(r.headers.filter { $0.name.lowercased() == "idempotency-key" }.count == 1)
        #expect(r.header("Content-Type") == "text/plain")
        #expect(r.header("X-Lorikeet-Signature") == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(r.header("X-Lorikeet-Attempt") == "1")
        let binary = sender.webhookRequest(for: RuleDelivery(idempotencyKey: "k", rule: "r", method: "POST", url: "http://h/",
                                                             headers: [], body: [0x01, 0x02], nextAttemptAt: 0, createdAt: 0))
        #expect(binary.header("Content-Type") == "application/octet-stream")
    }

    @Test func unsendableRequestsArePermanentFailures() async throws {
        let sender = try RuleWebhookSender(secret: "s")
        let badURL = RuleDelivery(idempotencyKey: "k", rule: "r", method: "POST", url: "not a url", headers: [], body: [],
                                  nextAttemptAt: 0, createdAt: 0)
        guard case .permanent = await sender.deliver(badURL) else { Issue.record("a bad URL must be permanent"); return }
        let badHeader = RuleDelivery(idempotencyKey: "k", rule: "r", method: "POST", url: "http://127.0.0.1:9/", headers: [["Bad Name", "v"]],
                                     body: [], nextAttemptAt: 0, createdAt: 0)
        guard case .permanent = await sender.deliver(badHeader) else { Issue.record("a bad header must be permanent"); return }
    }

    @Test func refusedConnectionIsRetryable() async throws {
        let client = WebhookHTTPClient()
        let hook = try WebhookHook(url: try #require(URL(string: "http://127.0.0.1:9/hook")), secret: "s", timeoutSeconds: 2, client: client)
        let outcome = await hook.deliver(HookRequest(idempotencyKey: "k", alertID: "a:d:1", transition: .fired, body: Data("{}".utf8), attempt: 1))
        await client.shutdown()
        guard case .retryable = outcome else { Issue.record("refused must be retryable, got \(outcome)"); return }
    }

    @Test func badHooksAreRejected() throws {
        #expect(throws: AlertHooksError.self) { try WebhookHook(url: try #require(URL(string: "ftp://x/")), secret: "s") }
        #expect(throws: AlertHooksError.self) { try WebhookHook(url: try #require(URL(string: "http://x/")), secret: "") }
    }

    @Test(arguments: [(200, DeliveryOutcome.delivered), (204, .delivered), (500, .retryable("HTTP 500")), (503, .retryable("HTTP 503")),
                      (429, .retryable("HTTP 429")), (408, .retryable("HTTP 408")), (400, .permanent("HTTP 400")), (404, .permanent("HTTP 404")),
                      (301, .permanent("HTTP 301"))])
    func statusMapping(status: Int, outcome: DeliveryOutcome) {
        #expect(WebhookHook.outcome(status: status) == outcome)
    }
}

/// A hook whose answers are scripted, recording what it was asked.
final class ScriptedHook: AlertHook, @unchecked Sendable {
    let id: String
    private let lock = NSLock()
    private var answers: [DeliveryOutcome]
    private(set) var requests: [HookRequest] = []

    init(id: String = "web", answers: [DeliveryOutcome]) {
        self.id = id
        self.answers = answers
    }

    var received: [HookRequest] { lock.withLock { requests } }

    func deliver(_ request: HookRequest) async -> DeliveryOutcome {
        lock.withLock {
            requests.append(request)
            return answers.isEmpty ? .delivered : answers.removeFirst()
        }
    }
}

/// A manual clock in epoch milliseconds.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64
    init(_ start: Int64) { value = start }
    var now: Int64 { lock.withLock { value } }
    func advance(_ ms: Int64) { lock.withLock { value += ms } }
}

@Suite struct HookDispatcherTests {
    let defs = [DetectorDefinition(id: "hot", kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: 10)))]

    func seed(_ store: AlertStore, hooks: [String], at now: Int64) throws {
        var book = AlertBook(definitions: defs)
        let fired = book.apply(DetectorOutput(detectorID: "hot", device: "d1", action: .fire(AlertSignal(time: 1000, message: "hot"))))
        let resolved = book.apply(DetectorOutput(detectorID: "hot", device: "d1", action: .resolve(time: 2000, message: "ok")))
        try store.record([try #require(fired), try #require(resolved)], hookIDs: hooks, now: now)
    }

    @Test func retriesWithBackoffUntilTheReceiverAnswersThenKeepsOrder() async throws {
        let store = try AlertStore(path: ":memory:")
        let clock = ManualClock(10_000)
        try seed(store, hooks: ["web"], at: clock.now)
        let hook = ScriptedHook(answers: [.retryable("refused"), .retryable("refused"), .delivered, .delivered])
        let dispatcher = HookDispatcher(store: store, hooks: [hook], policy: RetryPolicy(baseDelayMillis: 1000, jitter: 0),
                                        now: { clock.now }, random: { 0.5 })
        var slept: [Int64] = []
        let empty = try await dispatcher.drain(deadline: 100_000) { ms in
            slept.append(ms)
            clock.advance(ms)
        }
        #expect(empty)
        #expect(slept == [1000, 2000])
        #expect(hook.received.map(\.transition) == [.fired, .fired, .fired, .resolved])
        #expect(hook.received.map(\.attempt) == [1, 2, 3, 1])
        #expect(Set(hook.received.prefix(3).map(\.body)).count == 1) // the same body every time
        #expect(try store.deliveryCounts() == [.delivered: 2])
    }

    @Test func stopsAtTheDeadlineLeavingEntriesPending() async throws {
        let store = try AlertStore(path: ":memory:")
        let clock = ManualClock(0)
        try seed(store, hooks: ["web"], at: 0)
        let hook = ScriptedHook(answers: Array(repeating: .retryable("refused"), count: 100))
        let dispatcher = HookDispatcher(store: store, hooks: [hook], policy: RetryPolicy(baseDelayMillis: 1000, jitter: 0),
                                        now: { clock.now }, random: { 0.5 })
        let empty = try await dispatcher.drain(deadline: 5000) { ms in clock.advance(ms) }
        #expect(!empty)
        // Attempts at 0, 1000, 3000; the next (7000) is after the deadline.
        #expect(hook.received.count == 3)
        #expect(try store.deliveryCounts() == [.pending: 2])
        // A later run (a restart) delivers them.
        let later = ScriptedHook(answers: [])
        let again = HookDispatcher(store: store, hooks: [later], policy: RetryPolicy(baseDelayMillis: 1000, jitter: 0),
                                   now: { clock.now + 10_000 }, random: { 0.5 })
        #expect(try await again.drain(deadline: .max) { _ in })
        #expect(later.received.map(\.idempotencyKey) == ["hot:d1:1000/fired", "hot:d1:1000/resolved"])
    }

    @Test func permanentFailureDoesNotBlockTheNextTransition() async throws {
        let store = try AlertStore(path: ":memory:")
        try seed(store, hooks: ["web"], at: 0)
        let hook = ScriptedHook(answers: [.permanent("HTTP 400"), .delivered])
        let dispatcher = HookDispatcher(store: store, hooks: [hook], now: { 0 }, random: { 0.5 })
        #expect(try await dispatcher.drain(deadline: 0) { _ in })
        #expect(try store.deliveryCounts() == [.failed: 1, .delivered: 1])
    }
}

actor RecordingBus: AlertBus {
    var published: [(topic: String, payload: [UInt8], qos: Int)] = []
    var failNext = false
    func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool) async throws {
        if failNext {
            failNext = false
            struct Down: Error {}
            throw Down()
        }
        published.append((topic, payload, qos))
    }
    func setFailNext() { failNext = true }
}

@Suite struct BusPublishHookTests {
    @Test func publishesTheBodyOnATopicPerDetectorDeviceAndTransition() async {
        let bus = RecordingBus()
        let hook = BusPublishHook(bus: bus)
        let request = HookRequest(idempotencyKey: "hot:a/b+c:1000/fired", alertID: "hot:a/b+c:1000", transition: .fired,
                                  body: Data("{}".utf8), attempt: 1)
        await bus.setFailNext()
        if case .retryable = await hook.deliver(request) {} else { Issue.record("a refused publish must be retried") }
        #expect(await hook.deliver(request) == .delivered)
        let published = await bus.published
        #expect(published.map(\.topic) == ["lorikeet/alerts/hot/a_b_c/fired"])
        #expect(published.first?.payload == Array("{}".utf8))
        #expect(published.first?.qos == 1)
    }
}
