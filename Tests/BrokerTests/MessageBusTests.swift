import Broker
import Logging
import MQTT
import NIOCore
import Testing

@Suite("In-process bus")
struct MessageBusTests {
    @Test("publish/subscribe with MQTT topic semantics, retained first")
    func bus() async throws {
        let server = BrokerServer(configuration: BrokerConfiguration(), logger: Logger(label: "test"))
        try server.bus.publish(topic: "app/1/state", string: "on", retain: true)
        let stream = try server.bus.subscribe(filter: "app/+/#")
        let dollar = try server.bus.subscribe(filter: "#", includeRetained: false)
        try server.bus.publish(topic: "$internal/x", string: "hidden")
        try server.bus.publish(topic: "other/x", string: "no")
        try server.bus.publish(topic: "app/2/event", string: "up", qos: .atLeastOnce)
        var it = stream.makeAsyncIterator()
        let first = await it.next()
        #expect(first?.topic == "app/1/state" && first?.retain == true)
        let second = await it.next()
        #expect(second.map { String(buffer: $0.payload) } == "up")
        var all = dollar.makeAsyncIterator()
        // `#` does not see `$internal/x`: the first message it sees is `other/x`.
        #expect(await all.next()?.topic == "other/x")
        #expect(throws: MQTTError.self) { try server.bus.publish(topic: "a/+", string: "x") }
        #expect(throws: MQTTError.self) { _ = try server.bus.subscribe(filter: "a/#/b") }
    }
}
