import Broker
import Logging
import MQTT
import NIOCore
import Synchronization
import Testing

@Suite("In-process bus: subscriptions with a replaceable filter set")
struct BusSubscriptionTests {
    static func server() -> BrokerServer {
        BrokerServer(configuration: BrokerConfiguration(), logger: Logger(label: "test"))
    }

    /// The next `n` deliveries (the bus has buffered them: publish is synchronous).
    static func take<Tag>(_ n: Int, from sub: BusSubscription<Tag>) async -> [BusSubscription<Tag>.Delivery] {
        var out: [BusSubscription<Tag>.Delivery] = []
        guard n > 0 else { return out }
        for await d in sub.deliveries {
            out.append(d)
            if out.count == n { break }
        }
        return out
    }

    @Test("an empty set holds nothing in the tree; filters count once each and leave with cancel")
    func counting() async throws {
        let server = Self.server()
        let bus = server.bus
        #expect(bus.subscribedFilterCount == 0)
        let sub = try bus.subscribe(filters: [], tag: 0)
        #expect(bus.subscribedFilterCount == 0)
        #expect(sub.filters.isEmpty)
        try sub.replace(filters: ["a/+", "b/#", "a/+"], tag: 1)
        #expect(bus.subscribedFilterCount == 2)
        #expect(sub.filters == ["a/+", "b/#"])
        try sub.replace(filters: ["b/#"], tag: 2)
        #expect(bus.subscribedFilterCount == 1)
        let plain = try bus.subscribe(filter: "c", includeRetained: false)
        #expect(bus.subscribedFilterCount == 2)
        _ = plain
        sub.cancel()
        #expect(bus.subscribedFilterCount == 1)
        #expect(sub.filters.isEmpty)
        try sub.replace(filters: ["x"], tag: 3)   // a cancelled subscription stays cancelled
        #expect(bus.subscribedFilterCount == 1)
        // Its stream has ended.
        var it = sub.deliveries.makeAsyncIterator()
        #expect(await it.next() == nil)
    }

    @Test("overlapping filters deliver a message once; only matching messages arrive")
    func overlapOnce() async throws {
        let server = Self.server()
        let sub = try server.bus.subscribe(filters: ["application/+/device/+/event/up", "application/#", "+/1/#"], tag: "t")
        try server.bus.publish(topic: "application/1/device/01/event/up", string: "one")
        try server.bus.publish(topic: "other/x", string: "no")
        try server.bus.publish(batch: [.init(topic: "application/2", payload: ByteBuffer(string: "two")),
                                       .init(topic: "application/1/device/02/event/up", payload: ByteBuffer(string: "three"))])
        try server.bus.publish(topic: "zzz/1/q", string: "four")
        let got = await Self.take(4, from: sub)
        #expect(got.map { String(buffer: $0.message.payload) } == ["one", "two", "three", "four"])
        #expect(got.allSatisfy { $0.tag == "t" })
    }

    @Test("a replace takes effect between two messages: earlier ones keep the old tag, later ones get the new")
    func swapOrder() async throws {
        let server = Self.server()
        let sub = try server.bus.subscribe(filters: ["a/#"], tag: 1)
        try server.bus.publish(topic: "a/1", string: "1")
        try server.bus.publish(topic: "b/1", string: "not yet")
        try sub.replace(filters: ["a/#", "b/#"], tag: 2)
        try server.bus.publish(topic: "b/2", string: "2")
        try server.bus.publish(topic: "a/3", string: "3")
        try sub.replace(filters: ["b/#"], tag: 3)
        try server.bus.publish(topic: "a/4", string: "no longer")
        try server.bus.publish(topic: "b/5", string: "5")
        let got = await Self.take(4, from: sub)
        #expect(got.map { String(buffer: $0.message.payload) } == ["1", "2", "3", "5"])
        #expect(got.map(\.tag) == [1, 2, 2, 3])
    }

    @Test("shared and invalid filters are refused and change nothing")
    func refusals() async throws {
        let server = Self.server()
        let sub = try server.bus.subscribe(filters: ["a"], tag: 0)
        #expect(throws: MQTTError.invalidTopicFilter("$share/g/x")) { try sub.replace(filters: ["b", "$share/g/x"], tag: 1) }
        #expect(throws: MQTTError.invalidTopicFilter("a/#/b")) { try sub.replace(filters: ["a/#/b"], tag: 1) }
        #expect(throws: MQTTError.self) { _ = try server.bus.subscribe(filters: ["$share/g/x"], tag: 0) }
        #expect(sub.filters == ["a"])
        #expect(server.bus.subscribedFilterCount == 1)
    }

    @Test("swapping filters while another thread publishes loses and duplicates nothing that both sets match")
    func concurrentSwap() async throws {
        let server = Self.server()
        let bus = server.bus
        let n = 20_000
        let sub = try bus.subscribe(filters: ["seq/+"], tag: 0, bufferSize: n + 10)
        let swaps = SharedCount()
        let published = SharedCount()
        // Alternates between a set with only "seq/+" and one where "+/a" overlaps it, until the
        // publisher is done.
        let swapper = Task.detached {
            var generation = 0
            while published.value < n {
                generation += 1
                try sub.replace(filters: generation % 2 == 0 ? ["seq/+"] : ["seq/+", "+/a"], tag: generation)
                swaps.add()
                await Task.yield()
            }
        }
        let publisher = Task.detached {
            while swaps.value == 0 { await Task.yield() }
            for i in 0..<n {
                try bus.publish(topic: "seq/a", string: "\(i)")
                published.add()
            }
            try bus.publish(topic: "seq/end", string: "end")
        }
        try await publisher.value
        try await swapper.value
        let got = await Self.take(n + 1, from: sub)
        #expect(got.map { String(buffer: $0.message.payload) } == (0..<n).map { "\($0)" } + ["end"])
        // Tags never go backwards: each message carries the set it was routed under.
        #expect(zip(got, got.dropFirst()).allSatisfy { $0.tag <= $1.tag })
        #expect(swaps.value > 0)
    }
}

final class SharedCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func add() { count.withLock { $0 += 1 } }
}
