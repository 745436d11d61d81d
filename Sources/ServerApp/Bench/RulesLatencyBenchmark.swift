import AlertHooks
import Broker
import Foundation
import LoRaWAN
public import Logging
import NetworkServer
import NIOCore
import NIOPosix
import PacketForwarder
import Registry
import Rules

/// `lorikeet bench rules` (latency part): the time from an uplink sent over packet-forwarder UDP to
/// the webhook request a rule makes for it arriving at a local HTTP receiver, at a fixed offered
/// rate, through the whole server (bridge, network server, codec-less `up` event on the bus, ten
/// rules evaluated per message, the durable rule-webhook outbox in SQLite (group-committed), the
/// shared async-http-client with kept-alive connections, signature).
///
/// Baseline in the same run: the time from the same uplinks to their `up` event on the bus (what
/// the rules see), measured by an in-process bus subscriber, so the difference is the cost of the
/// rules and the webhook path alone.
public enum RulesLatencyBenchmark {
    public struct Result: Sendable {
        /// Uplink sent → webhook received, milliseconds, one per delivered webhook.
        public var webhook: [Double]
        /// Uplink sent → `up` event on the bus, milliseconds.
        public var event: [Double]
        public var sent: Int
        public var seconds: Double
    }

    /// The nine rules evaluated beside the webhook rule (no actions: conditions and outputs only).
    static let otherRules = [
        "SELECT * FROM 'application/+/device/+/event/up' WHERE fPort = 99",
        "SELECT fCnt, topic(4) AS dev FROM 'application/+/device/+/event/up' WHERE fCnt < 0",
        "SELECT rxInfo[0].rssi AS rssi FROM 'application/+/device/+/event/up' WHERE rxInfo[0].rssi < -130",
        "SELECT upper(deviceInfo.deviceName) AS n FROM 'application/+/device/+/event/up' WHERE startswith(deviceInfo.deviceName, 'freezer')",
        "SELECT dr, txInfo.frequency AS f FROM 'application/+/device/+/event/join'",
        "SELECT (fCnt * 9 / 5) + 32 AS x FROM 'application/+/device/+/event/up' WHERE fCnt > 1000000",
        "SELECT CASE fPort WHEN 1 THEN 'one' ELSE 'other' END AS p FROM 'application/+/device/+/event/up' WHERE fPort = 7",
        "SELECT deviceInfo.devEui AS dev FROM 'application/+/device/+/event/status'",
        "SELECT data FROM 'application/+/device/+/event/up' WHERE length(data) > 1000",
    ]

    /// Runs the measurement.
    /// - Parameters:
    ///   - deduplicationMillis: the network server's deduplication window (every uplink waits it
    ///     before processing; 200 ms by default in `serve`); included in both figures.
    ///   - sessionCommitMillis: the network server's write-behind session commit interval (10 ms
    ///     by default): uplink events are published after the commit that makes their frame
    ///     counters durable, so it adds up to this much to both figures.
    public static func run(devices: Int, uplinks: Int, rate: Int, deduplicationMillis: Int, sessionCommitMillis: Int = 10,
                           logger: Logger) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-bench-rules-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let receiver = try BenchReceiver(keyHeader: "X-Uplink")
        defer { receiver.stop() }
        var config = ServerConfiguration(dataDir: dir)
        config.gatewayBridge.port = 0
        config.http.port = 0
        config.broker.port = 0
        config.broker.webSocketPort = nil
        config.networkServer.deduplicationWindowMillis = deduplicationMillis
        config.networkServer.sessionCommitIntervalMillis = max(1, sessionCommitMillis)
        config.ruleWebhooks = RuleWebhooksConfiguration(secret: "bench-secret")
        let app = try await ServerApp(configuration: config, logger: logger)
        try app.rules.create(RuleDefinition(
            name: "webhook", sql: "SELECT deviceInfo.devEui AS dev, fCnt, rxInfo[0].rssi AS rssi FROM 'application/+/device/+/event/up'",
            actions: [.webhook(.init(url: try SubstitutionTemplate("http://127.0.0.1:\(receiver.port)/hook"),
                                     headers: ["X-Uplink": try SubstitutionTemplate("${lower(deviceInfo.devEui)}/${fCnt}")]))]))
        for (i, sql) in otherRules.enumerated() { try app.rules.create(RuleDefinition(name: "other\(i)", sql: sql, actions: [])) }

        let gateway = EUI64(0xBE00_0000_0000_0001)
        let key = try AES128Key(hex: "00112233445566778899AABBCCDDEEFF")
        let keys = SessionKeys(nwkSKey: key, appSKey: key)
        try await app.registry.createApplication(Application(id: "bench", name: "bench"))
        try await app.registry.createDeviceProfile(DeviceProfile(id: "bench", name: "bench", adrEnabled: false))
        try await app.registry.upsertGateway(Gateway(gatewayEUI: gateway))
        var euis: [String] = []
        for i in 0..<devices {
            let eui = EUI64(0xBE_0000_0000 + UInt64(i))
            euis.append("\(eui)".lowercased())
            try await app.registry.createDevice(Device(devEUI: eui, applicationID: "bench", deviceProfileID: "bench",
                                                       abp: ABPSettings(devAddr: DevAddr(0x0100_0000 + UInt32(i)), keys: keys)))
            try await app.networkServer.activateABP(devEUI: eui)
        }
        // Pre-built datagrams (real MICs and encryption), round-robin over the devices.
        var datagrams: [(key: String, bytes: [UInt8])] = []
        for n in 0..<uplinks {
            let i = n % devices
            let fCnt = UInt32(n / devices)
            let fhdr = FHDR(devAddr: DevAddr(0x0100_0000 + UInt32(i)), fCtrl: FCtrl(direction: .uplink), fCnt: UInt16(truncatingIfNeeded: fCnt))
            var phy = PHYPayload(mhdr: MHDR(mType: .unconfirmedDataUp),
                                 payload: .data(MACPayload(fhdr: fhdr, fPort: 1, frmPayload: Array(repeating: UInt8(n & 0xFF), count: 12))), mic: nil)
            phy = try phy.cryptingFRMPayload(key: keys.appSKey, fCnt: fCnt)
            phy.mic = try phy.dataMIC(version: .lorawan1_0, keys: keys, fCnt: fCnt)
            let frame = UplinkFrame(phyPayload: try phy.serialized(),
                                    txInfo: UplinkTxInfo(frequency: 868_100_000, modulation: .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5")),
                                    rxInfo: UplinkRxInfo(gatewayEUI: gateway, concentratorTimestamp: UInt32(truncatingIfNeeded: n &* 1000), rssi: -60, snr: 7))
            datagrams.append(("\(euis[i])/\(fCnt)", Datagram.pushData(version: .v2, token: UInt16(truncatingIfNeeded: n), gatewayEUI: gateway,
                                                                       payload: PushDataPayload(rxpk: [RxPacket(uplink: frame)])).encoded()))
        }

        let events = EventArrivals()
        let stream = try app.broker.bus.subscribe(filter: "application/+/device/+/event/up", includeRetained: false, bufferSize: 1 << 20)
        let watcher = Task {
            for await m in stream {
                let now = ContinuousClock.now
                let bytes = m.payload.getBytes(at: m.payload.readerIndex, length: m.payload.readableBytes) ?? []
                if case .json(let v) = Payload(bytes: bytes), case .string(let dev)? = v["deviceInfo"]?["devEui"],
                   case .int(let fCnt)? = v["fCnt"] {
                    events.record("\(dev.lowercased())/\(fCnt)", now)
                }
            }
        }
        let task = Task { try await app.run() }
        let address = try await app.bridge.boundAddress
        try await Task.sleep(for: .milliseconds(300))   // let every service start

        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        var sentAt: [String: ContinuousClock.Instant] = [:]
        let clock = ContinuousClock()
        let start = clock.now
        for (n, d) in datagrams.enumerated() {
            let due = start + .nanoseconds(Int64(Double(n) / Double(rate) * 1e9))
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            var buffer = channel.allocator.buffer(capacity: d.bytes.count)
            buffer.writeBytes(d.bytes)
            sentAt[d.key] = clock.now
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer)).get()
        }
        let elapsed = clock.now - start
        // Wait until every webhook arrived or nothing moved for 3 s.
        var last = -1
        var lastMove = clock.now
        while receiver.count < uplinks && clock.now - lastMove < .seconds(3) {
            if receiver.count != last { last = receiver.count; lastMove = clock.now }
            try await Task.sleep(for: .milliseconds(20))
        }
        channel.close(promise: nil)
        // Not awaited: the figures are taken, and a slow shutdown must not hold the report (the
        // process ends right after).
        task.cancel()
        watcher.cancel()

        func millis(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        var webhook: [Double] = []
        var event: [Double] = []
        for (key, sent) in sentAt {
            if let a = receiver.arrival(key) { webhook.append(millis(a - sent)) }
            if let a = events.arrival(key) { event.append(millis(a - sent)) }
        }
        return Result(webhook: webhook.sorted(), event: event.sorted(), sent: uplinks,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// The value at quantile `q` (0…1) of sorted values (nearest rank).
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    final class EventArrivals: @unchecked Sendable {
        private let lock = NSLock()
        private var arrivals: [String: ContinuousClock.Instant] = [:]
        func record(_ key: String, _ at: ContinuousClock.Instant) { lock.withLock { if arrivals[key] == nil { arrivals[key] = at } } }
        func arrival(_ key: String) -> ContinuousClock.Instant? { lock.withLock { arrivals[key] } }
    }
}
