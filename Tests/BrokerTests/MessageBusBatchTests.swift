import Broker
import Logging
import MQTT
import NIOCore
import Testing

@Suite("In-process bus: batch publish")
struct MessageBusBatchTests {
    static func server() -> BrokerServer {
        BrokerServer(configuration: BrokerConfiguration(), logger: Logger(label: "test"))
    }

    /// The next `n` messages of `stream` (the bus has buffered them: publish is synchronous).
    static func take(_ n: Int, from stream: AsyncStream<BrokerMessage>) async -> [BrokerMessage] {
        var out: [BrokerMessage] = []
        for await m in stream {
            out.append(m)
            if out.count == n { break }
        }
        return out
    }

    @Test("a batch larger than one slice arrives complete and in order, to every matching subscriber")
    func orderAcrossSlices() async throws {
        let server = Self.server()
        let n = MessageBus.batchSliceSize * 2 + 17
        let all = try server.bus.subscribe(filter: "app/+/event/#", includeRetained: false, bufferSize: 10_000)
        let one = try server.bus.subscribe(filter: "app/3/event/up", includeRetained: false, bufferSize: 10_000)
        let batch = (0..<n).map { i in
            MessageBus.Publication(topic: "app/\(i % 5)/event/up", payload: ByteBuffer(string: "\(i)"))
        }
        try server.bus.publish(batch: batch)
        try server.bus.publish(topic: "app/3/event/up", string: "after")
        let got = await Self.take(n + 1, from: all)
        #expect(got.map { String(buffer: $0.payload) } == (0..<n).map { "\($0)" } + ["after"])
        #expect(got.prefix(n).map(\.topic) == batch.map(\.topic))
        let expectedThree = (0..<n).filter { $0 % 5 == 3 }.map { "\($0)" } + ["after"]
        let three = await Self.take(expectedThree.count, from: one)
        #expect(three.map { String(buffer: $0.payload) } == expectedThree)
    }

    @Test("an invalid topic anywhere in a batch publishes nothing")
    func invalidTopicPublishesNothing() async throws {
        let server = Self.server()
        let stream = try server.bus.subscribe(filter: "#", includeRetained: false)
        let batch = [MessageBus.Publication(topic: "ok/1", payload: ByteBuffer(string: "a")),
                     MessageBus.Publication(topic: "bad/+", payload: ByteBuffer(string: "b"))]
        #expect(throws: MQTTError.invalidTopicName("bad/+")) { try server.bus.publish(batch: batch) }
        try server.bus.publish(topic: "marker", string: "m")
        // The first message the subscriber sees is the marker: "ok/1" was not published either.
        #expect(await Self.take(1, from: stream).first?.topic == "marker")
    }

    @Test("retained messages of a batch are stored; the last one per topic wins; an empty batch is fine")
    func retainedInBatch() async throws {
        let server = Self.server()
        try server.bus.publish(batch: [])
        try server.bus.publish(batch: [
            MessageBus.Publication(topic: "gw/1/state", payload: ByteBuffer(string: "old"), retain: true),
            MessageBus.Publication(topic: "gw/1/state", payload: ByteBuffer(string: "new"), retain: true),
            MessageBus.Publication(topic: "gw/2/state", payload: ByteBuffer(string: "two"), retain: true, qos: .atLeastOnce),
        ])
        let late = try server.bus.subscribe(filter: "gw/+/state", includeRetained: true)
        let got = await Self.take(2, from: late)
        let byTopic = Dictionary(uniqueKeysWithValues: got.map { ($0.topic, String(buffer: $0.payload)) })
        #expect(byTopic == ["gw/1/state": "new", "gw/2/state": "two"])
        #expect(got.allSatisfy { $0.retain })
        #expect(got.first { $0.topic == "gw/2/state" }?.qos == .atLeastOnce)
    }
}
