import Foundation
@testable import HTTPAPI
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing

/// A stand-in for the broker bus: MQTT `+` matching over `/`-separated levels, synchronous delivery.
final class FakeBus: Sendable {
    let subscribers = Mutex<[(id: Int, filter: String, deliver: @Sendable (String, ByteBuffer) -> Void)]>([])
    let nextID = Mutex(0)

    var source: EventStreamSource {
        EventStreamSource { [self] filter, deliver in
            let id = nextID.withLock { $0 += 1; return $0 }
            subscribers.withLock { $0.append((id, filter, deliver)) }
            return { [self] in subscribers.withLock { $0.removeAll { $0.id == id } } }
        }
    }

    var count: Int { subscribers.withLock { $0.count } }

    func publish(_ topic: String, _ json: String) {
        let targets = subscribers.withLock { $0.filter { Self.matches($0.filter, topic) }.map(\.deliver) }
        for d in targets { d(topic, ByteBuffer(string: json)) }
    }

    static func matches(_ filter: String, _ topic: String) -> Bool {
        let f = filter.split(separator: "/", omittingEmptySubsequences: false)
        let t = topic.split(separator: "/", omittingEmptySubsequences: false)
        return f.count == t.count && zip(f, t).allSatisfy { $0 == "+" || $0 == $1 }
    }
}

/// Collects what the stream writes; optionally blocks every write until `release()` (a slow client)
/// or fails every write (a client that went away).
final class RecordingWriter: ResponseBodyWriter, @unchecked Sendable {
    struct Gone: Error {}
    let text = Mutex("")
    let blocked = Mutex<(isBlocked: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    let writes = Mutex(0)
    let fail: Bool

    init(blocked: Bool = false, fail: Bool = false) {
        self.fail = fail
        self.blocked.withLock { $0.isBlocked = blocked }
    }

    func write(_ buffer: ByteBuffer) async throws {
        if fail { throw Gone() }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let wait = blocked.withLock { state -> Bool in
                if state.isBlocked { state.waiters.append(c); return true }
                return false
            }
            if !wait { c.resume() }
        }
        text.withLock { $0 += String(buffer: buffer) }
        writes.withLock { $0 += 1 }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}

    func release() {
        let waiters = blocked.withLock { state in
            state.isBlocked = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for w in waiters { w.resume() }
    }

    var written: String { text.withLock { $0 } }
    var writeCount: Int { writes.withLock { $0 } }
}

/// Waits (yielding, bounded) until a condition holds: the stream runs in another task.
func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<20_000 {
        if condition() { return true }
        await Task.yield()
        try? await Task.sleep(for: .microseconds(100))
    }
    return condition()
}

@Suite struct StreamFilterTests {
    func parse(_ query: String) throws -> StreamFilter {
        try StreamFilter(query: URI("/api/stream?" + query).queryParameters)
    }

    @Test func noParametersMeansEverything() throws {
        let f = try parse("")
        #expect(f == StreamFilter())
        #expect(f.topicFilter == "application/+/device/+/event/+")
        #expect(f.eventType(of: "application/a/device/0102030405060708/event/status") == "status")
    }

    @Test func parametersNarrowTheSubscriptionAndTheTypes() throws {
        let f = try parse("applicationId=app-1&devEui=0102030405060A0B&types=up,join")
        #expect(f.applicationID == "app-1")
        #expect(f.devEUI == "0102030405060a0b")
        #expect(f.types == ["up", "join"])
        #expect(f.topicFilter == "application/app-1/device/0102030405060a0b/event/+")
        #expect(f.eventType(of: "application/app-1/device/0102030405060a0b/event/join") == "join")
        #expect(f.eventType(of: "application/app-1/device/0102030405060a0b/event/log") == nil)
        #expect(try parse("types=up").topicFilter == "application/+/device/+/event/up")
    }

    @Test(arguments: [
        ("devEui=0102", "devEui"), ("devEui=zz02030405060708", "devEui"), ("types=up,bogus", "bogus"),
        ("applicationId=a%2Bb", "applicationId"), ("applicationId=a%2Fb", "applicationId"), ("applicationId=%23", "applicationId"),
    ])
    func badParametersAreA400NamingTheParameter(query: String, named: String) throws {
        do {
            _ = try parse(query)
            Issue.record("accepted \(query)")
        } catch let e as APIError {
            #expect(e.status == .badRequest)
            #expect(e.code == "invalid_parameter")
            #expect(e.message.contains(named))
        }
    }

    @Test func theRouteAnswers400BeforeStreaming() async throws {
        let router = Router()
        StreamAPI.addRoutes(to: router.group("/api"), source: FakeBus().source)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/api/stream?types=nope", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("invalid_parameter"))
            }
        }
    }
}

@Suite struct StreamClientTests {
    let up = #"{"deduplicationId":"d1","fCnt":1}"#

    func open(_ bus: FakeBus, _ filter: StreamFilter = StreamFilter(), buffer: Int = 64,
              clock: any Clock<Duration> = ManualClock()) throws -> StreamClient {
        try StreamClient.open(filter: filter, source: bus.source, configuration: StreamConfiguration(bufferSize: buffer, pingInterval: .seconds(15)),
                              clock: clock, metrics: StreamMetrics())
    }

    @Test func eventsAreWrittenAsServerSentEventsAndFiltered() async throws {
        let bus = FakeBus()
        let client = try open(bus, StreamFilter(applicationID: "app", types: ["up"]))
        let writer = RecordingWriter()
        let pump = Task {
            var w: any ResponseBodyWriter = writer
            try await client.pump(into: &w)
        }
        bus.publish("application/app/device/0102030405060708/event/up", up)
        bus.publish("application/app/device/0102030405060708/event/join", #"{"devAddr":"01020304"}"#)
        bus.publish("application/other/device/0102030405060708/event/up", #"{"other":true}"#)
        bus.publish("application/app/device/0102030405060708/event/up", "{\n\"fCnt\": 2\n}")
        #expect(await eventually { writer.written.contains("fCnt\": 2") })
        client.continuation.finish()
        try await pump.value
        #expect(writer.written == ": connected\n\n" + "event: up\ndata: \(up)\n\n" + "event: up\ndata: { \"fCnt\": 2 }\n\n")
        #expect(bus.count == 0, "the bus subscription ends with the stream")
    }

    @Test func aPingGoesOutEveryInterval() async throws {
        let bus = FakeBus()
        let clock = ManualClock()
        let client = try open(bus, clock: clock)
        let writer = RecordingWriter()
        let pump = Task {
            var w: any ResponseBodyWriter = writer
            try await client.pump(into: &w)
        }
        #expect(await eventually { clock.sleeperCount == 1 && writer.writeCount == 1 })
        #expect(!writer.written.contains("ping"))
        clock.advance(by: .seconds(15))
        #expect(await eventually { writer.written.hasSuffix(": ping\n\n") })
        #expect(await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .seconds(15))
        #expect(await eventually { writer.written.components(separatedBy: ": ping").count == 3 })
        client.continuation.finish()
        try await pump.value
    }

    @Test func aSlowClientLosesItsOldestEventsAndDoesNotHoldUpAnother() async throws {
        let bus = FakeBus()
        let slow = try open(bus, buffer: 8)
        let fast = try open(bus, buffer: 2000)
        let slowWriter = RecordingWriter(blocked: true)
        let fastWriter = RecordingWriter()
        let pumps = [(slow, slowWriter), (fast, fastWriter)].map { client, writer in
            Task {
                var w: any ResponseBodyWriter = writer
                try await client.pump(into: &w)
            }
        }
        // Publishing never waits for the blocked client.
        for i in 0..<1000 { bus.publish("application/a/device/0102030405060708/event/up", #"{"n":\#(i)}"#) }
        #expect(await eventually { fastWriter.written.contains(#"{"n":999}"#) })
        #expect(fastWriter.written.components(separatedBy: "event: up").count == 1001)
        #expect(slow.dropped.withLock { $0 } >= 1000 - 8 - 1)
        slowWriter.release()
        #expect(await eventually { slowWriter.written.contains(#"{"n":999}"#) })
        let got = slowWriter.written
        #expect(got.contains(": dropped "))
        #expect(!got.contains(#"{"n":500}"#), "the oldest events were dropped, the newest kept")
        for c in [slow, fast] { c.continuation.finish() }
        for p in pumps { try await p.value }
    }

    @Test func aClientThatWentAwayIsCleanedUp() async throws {
        let bus = FakeBus()
        let client = try open(bus)
        #expect(bus.count == 1)
        var w: any ResponseBodyWriter = RecordingWriter(fail: true)
        await #expect(throws: RecordingWriter.Gone.self) { try await client.pump(into: &w) }
        #expect(bus.count == 0)
        // Late messages go nowhere and do not crash.
        bus.publish("application/a/device/0102030405060708/event/up", up)
    }

    @Test func aResponseNeverSentStillEndsTheSubscription() throws {
        let bus = FakeBus()
        do { _ = try open(bus) }
        #expect(bus.count == 0)
    }
}
