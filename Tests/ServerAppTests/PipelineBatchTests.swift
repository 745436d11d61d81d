import Broker
import Foundation
import LoRaWAN
import Logging
@testable import NetworkServer
import NIOCore
import Registry
@testable import ServerApp
import Testing
import TestSupport

/// `Pipelines.handle(batch:)` on a composed (not running) server: the bus, the telemetry store
/// and the codecs are real; the events are built here.
@Suite("Pipelines: event batches")
struct PipelineBatchTests {
    static let devices = ["0102030405060701", "0102030405060702"]

    static func withPipelines(_ body: (ServerApp, Pipelines) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-batch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = ServerConfiguration(dataDir: dir.path, regionsDir: RegionFiles.directory.path)
        config.gatewayBridge.port = 0
        config.http.port = 0
        config.broker.port = 0
        config.broker.webSocketPort = nil
        var logger = Logger(label: "batch")
        logger.logLevel = .warning
        let app = try await ServerApp(configuration: config, logger: logger)
        try await app.registry.createApplication(Application(id: "farm", name: "Farm"))
        try await app.registry.createDeviceProfile(DeviceProfile(id: "lpp", name: "lpp", codec: "cayenne-lpp"))
        let pipelines = Pipelines(bus: app.broker.bus, codecs: app.codecs, registry: app.registry, networkServer: app.networkServer,
                                  telemetry: app.telemetry, telemetryMetrics: [:], events: nil, logger: logger)
        try await body(app, pipelines)
    }

    static func info(_ devEUI: String) -> DeviceInfo {
        DeviceInfo(applicationId: "farm", applicationName: "Farm", deviceProfileId: "lpp", deviceProfileName: "lpp", deviceName: "d-\(devEUI)",
                   devEui: devEUI, deviceClassEnabled: "CLASS_A")
    }

    static func up(_ devEUI: String, fCnt: UInt32, payload: [UInt8]) -> NetworkServerEvent {
        .up(UplinkEvent(deduplicationId: "dedup-\(devEUI)-\(fCnt)", time: "2026-11-28T19:30:38.123Z", deviceInfo: info(devEUI),
                        devAddr: "01000001", adr: false, dr: 5, fCnt: fCnt, fPort: 1, confirmed: false,
                        data: Data(payload).base64EncodedString(),
                        rxInfo: [EventRxInfo(gatewayId: "aa555a0000000001", uplinkId: fCnt, time: nil, rssi: -60, snr: 7.5, channel: 0,
                                             rfChain: 0, board: 0, antenna: 0, location: nil, context: "AAAA", crcStatus: "CRC_OK")],
                        txInfo: EventTxInfo(frequency: 868_100_000, modulation: .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5"))))
    }

    /// The next `n` messages of `stream`, or fewer after `seconds` (a bound, not a sleep).
    static func take(_ n: Int, from stream: AsyncStream<BrokerMessage>, within seconds: Int = 10) async -> [BrokerMessage] {
        await withTaskGroup(of: [BrokerMessage]?.self) { group in
            group.addTask {
                var out: [BrokerMessage] = []
                for await m in stream {
                    out.append(m)
                    if out.count == n { break }
                }
                return out
            }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
    }

    static let good: [UInt8] = [0x03, 0x67, 0x01, 0x10]     // Cayenne LPP: temperature_3 = 27.2
    static let bad: [UInt8] = [0x03, 0xFE, 0x01]            // unknown LPP type: the codec fails

    @Test("events are published in order per device; a failing codec gives a log right before its up")
    func orderAndCodecFailure() async throws {
        try await Self.withPipelines { app, pipelines in
            let stream = try app.broker.bus.subscribe(filter: "application/farm/device/+/event/+", includeRetained: false)
            let a = Self.devices[0], b = Self.devices[1]
            let join = NetworkServerEvent.join(JoinEvent(deduplicationId: "j", time: "2026-11-28T19:30:38.123Z", deviceInfo: Self.info(b),
                                                         devAddr: "01000002"))
            let orphan = NetworkServerEvent.log(LogEvent(time: "2026-11-28T19:30:38.123Z", deviceInfo: nil, level: "ERROR", code: "UPLINK_MIC",
                                                         description: "no device", context: [:]))
            let batch = [Self.up(a, fCnt: 1, payload: Self.good), join, Self.up(b, fCnt: 1, payload: Self.good), orphan,
                         Self.up(a, fCnt: 2, payload: Self.bad), Self.up(b, fCnt: 2, payload: Self.good), Self.up(a, fCnt: 3, payload: Self.good)]
            await pipelines.handle(batch: batch)
            let got = await Self.take(7, from: stream)
            let summary = got.map { m -> String in
                let json = (try? JSONSerialization.jsonObject(with: Data(buffer: m.payload))) as? [String: Any] ?? [:]
                let type = m.topic.split(separator: "/").last.map(String.init) ?? "?"
                let dev = m.topic.split(separator: "/")[3]
                return "\(dev.suffix(1)) \(type) \(json["fCnt"].map { "\($0)" } ?? (json["code"] as? String ?? "-"))"
            }
            #expect(summary == ["1 up 1", "2 join -", "2 up 1", "1 log UPLINK_CODEC", "1 up 2", "2 up 2", "1 up 3"])
            // The log names the uplink it is about.
            let log = try #require(got.first { $0.topic.hasSuffix("/event/log") })
            let logJSON = try #require(try JSONSerialization.jsonObject(with: Data(buffer: log.payload)) as? [String: Any])
            #expect((logJSON["context"] as? [String: String])?["deduplication_id"] == "dedup-\(a)-2")
            // Decoded uplinks carry the object as the first member; the failed one has none.
            for m in got where m.topic.hasSuffix("/event/up") {
                let text = String(buffer: m.payload)
                if text.contains(#""fCnt":2"#) && m.topic.contains(a) {
                    #expect(!text.contains(#""object""#))
                } else {
                    #expect(text.hasPrefix(#"{"object":{"temperature_3":27.2},"adr":false,"#), "\(text)")
                }
            }
        }
    }

    @Test("telemetry of the batch is stored before its events are published")
    func telemetryBeforePublish() async throws {
        try await Self.withPipelines { app, pipelines in
            var pipelines = pipelines
            let store = app.telemetry
            let atPublish = Counted()
            pipelines.willPublish = { publications in atPublish.record(publications.count, (try? store.hotRowCount()) ?? -1) }
            let batch = (0..<40).map { i in Self.up(Self.devices[i % 2], fCnt: UInt32(i / 2), payload: Self.good) }
            await pipelines.handle(batch: batch)
            // Radio metadata (rssi, snr, frequency, dr, gateway_count) + temperature_3 per uplink,
            // all in the store when the 40 events are handed to the bus.
            #expect(atPublish.calls == [Counted.Call(messages: 40, storedPoints: 40 * 6)])
        }
    }

    final class Counted: @unchecked Sendable {
        struct Call: Equatable { var messages: Int; var storedPoints: Int }
        private let lock = NSLock()
        private var recorded: [Call] = []
        var calls: [Call] { lock.withLock { recorded } }
        func record(_ messages: Int, _ stored: Int) { lock.withLock { recorded.append(Call(messages: messages, storedPoints: stored)) } }
    }

    @Test("an empty batch publishes and writes nothing")
    func emptyBatch() async throws {
        try await Self.withPipelines { app, pipelines in
            let messages = try app.broker.bus.subscribe(filter: "#", includeRetained: false)
            await pipelines.handle(batch: [])
            try app.broker.bus.publish(topic: "marker", string: "m")
            let points = try app.telemetry.hotRowCount()
            #expect(points == 0)
            // The first message on the bus is the marker: the empty batch published nothing.
            #expect(await Self.take(1, from: messages).first?.topic == "marker")
        }
    }
}
