import Broker
import Foundation
import LoRaWAN
import NIOCore
import Registry
@testable import ServerApp
import Testing

/// The first message of `stream`, or nil after `seconds` (a bound, not a sleep: it returns early).
func firstMessage(_ stream: AsyncStream<BrokerMessage>, within seconds: Int = 5) async -> BrokerMessage? {
    await withTaskGroup(of: BrokerMessage?.self) { group in
        group.addTask { for await m in stream { return m }; return nil }
        group.addTask { try? await Task.sleep(for: .seconds(seconds)); return nil }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

@Suite("Pipelines: MQTT downlink commands against the composed server")
struct PipelineTests {
    static let devEUI = "0102030405060708"

    static func provision(_ app: ServerApp, codec: String?) async throws {
        try await app.registry.createApplication(Application(id: "farm", name: "Farm"))
        try await app.registry.createDeviceProfile(DeviceProfile(id: "lpp", name: "lpp", codec: codec))
        try await app.registry.createDevice(Device(devEUI: try EUI64(hex: devEUI), joinEUI: EUI64(0), applicationID: "farm",
                                                   deviceProfileID: "lpp", appKey: try AES128Key(hex: "00112233445566778899AABBCCDDEEFF")))
    }

    /// Each malformed command gets a `log` event on the device's topic that says why.
    @Test("a malformed command/down is refused with a log event naming the problem")
    func malformedCommands() async throws {
        let cases: [(topicEUI: String, body: String, expected: String)] = [
            (Self.devEUI, "{nope", "not JSON"),
            (Self.devEUI, "[1,2]", "not a JSON object"),
            (Self.devEUI, #"{"devEui":"0000000000000001","fPort":1,"data":"AQ=="}"#, "does not match"),
            (Self.devEUI, #"{"fPort":1,"data":"***"}"#, "not base64"),
            (Self.devEUI, #"{"fPort":1}"#, "neither data nor object"),
            (Self.devEUI, #"{"fPort":1,"data":"AQ==","object":{}}"#, "either data or object"),
            (Self.devEUI, #"{"fPort":0,"data":"AQ=="}"#, "fPort must be 1…223"),
            (Self.devEUI, #"{"fPort":1.5,"data":"AQ=="}"#, "fPort must be an integer"),
            (Self.devEUI, #"{"fPort":1,"confirmed":"yes","data":"AQ=="}"#, "confirmed must be true or false"),
            (Self.devEUI, #"{"fPort":1,"object":{"digital_output_4":"on"}}"#, "cannot encode"),
            ("0102030405060799", #"{"fPort":1,"data":"AQ=="}"#, "not registered in application farm"),
            ("nothex", #"{"fPort":1,"data":"AQ=="}"#, "not 16 hex digits"),
        ]
        try await withServer { app, _, _ in
            try await Self.provision(app, codec: "cayenne-lpp")
            for c in cases {
                let logs = try app.broker.bus.subscribe(filter: "application/farm/device/\(c.topicEUI)/event/log", includeRetained: false)
                try app.broker.bus.publish(topic: "application/farm/device/\(c.topicEUI)/command/down", string: c.body)
                let message = try #require(await firstMessage(logs), "no log event for \(c.body)")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: message.payload)) as? [String: Any])
                #expect(json["code"] as? String == "DOWNLINK_COMMAND")
                let description = json["description"] as? String ?? ""
                #expect(description.contains(c.expected), "\(c.body): \(description)")
            }
            #expect(try await app.registry.queue(devEUI: try EUI64(hex: Self.devEUI)).isEmpty)
        }
    }

    @Test("a valid command/down with an object is encoded by the profile's codec and queued")
    func objectCommandQueued() async throws {
        try await withServer { app, _, _ in
            try await Self.provision(app, codec: "cayenne-lpp")
            try app.broker.bus.publish(topic: "application/farm/device/\(Self.devEUI)/command/down",
                                       string: #"{"devEui":"0102030405060708","confirmed":true,"fPort":10,"object":{"digital_output_4":1}}"#)
            let eui = try EUI64(hex: Self.devEUI)
            var queue: [DownlinkQueueItem] = []
            for _ in 0..<500 where queue.isEmpty {  // bounded wait for the bus consumer
                queue = try await app.registry.queue(devEUI: eui)
                if queue.isEmpty { await Task.yield(); try await Task.sleep(for: .milliseconds(10)) }
            }
            let item = try #require(queue.first)
            #expect(item.fPort == 10 && item.confirmed && item.data == [4, 1, 1])  // Cayenne LPP digital output, channel 4
        }
    }

    @Test("an object command for a profile without a codec is refused")
    func objectWithoutCodec() async throws {
        try await withServer { app, _, _ in
            try await Self.provision(app, codec: nil)
            let logs = try app.broker.bus.subscribe(filter: "application/farm/device/+/event/log", includeRetained: false)
            try app.broker.bus.publish(topic: "application/farm/device/\(Self.devEUI)/command/down", string: #"{"fPort":1,"object":{"a":1}}"#)
            let message = try #require(await firstMessage(logs))
            #expect(String(buffer: message.payload).contains("has no codec"))
        }
    }
}
