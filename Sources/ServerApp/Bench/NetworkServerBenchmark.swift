import Foundation
import GatewayBridge
import LoRaWAN
public import Logging
import NetworkServer
import NIOCore
import NIOPosix
import PacketForwarder
import Registry

/// `lorikeet bench ns`: uplinks per second through the real UDP bridge and the network server
/// (MIC, FCnt, decrypt, session persisted in SQLite, uplink row, event), against a baseline in the
/// same run: the same datagrams through the bridge alone (parse, ACK, frames discarded).
public enum NetworkServerBenchmark {
    public struct Result: Sendable {
        public var sent: Int
        public var processed: Int
        public var seconds: Double
        public var rate: Double { Double(processed) / seconds }
    }

    /// Runs both measurements and returns (network server, bridge-only baseline).
    public static func run(devices: Int, uplinks: Int, rate: Int?, logger: Logger) async throws -> (ns: Result, bridgeOnly: Result) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = ServerConfiguration(dataDir: dir)
        config.gatewayBridge.port = 0
        config.http.port = 0
        config.broker.port = 0
        config.broker.webSocketPort = nil
        let app = try await ServerApp(configuration: config, logger: logger)
        let gateway = EUI64(0xBE00_0000_0000_0001)
        let key = try AES128Key(hex: "00112233445566778899AABBCCDDEEFF")
        let keys = SessionKeys(nwkSKey: key, appSKey: key)
        try await app.registry.createApplication(Application(id: "bench", name: "bench"))
        try await app.registry.createDeviceProfile(DeviceProfile(id: "bench", name: "bench", adrEnabled: false))
        try await app.registry.upsertGateway(Gateway(gatewayEUI: gateway))
        for i in 0..<devices {
            let eui = EUI64(0xBE_0000_0000 + UInt64(i))
            try await app.registry.createDevice(Device(devEUI: eui, applicationID: "bench", deviceProfileID: "bench",
                                                       abp: ABPSettings(devAddr: DevAddr(0x0100_0000 + UInt32(i)), keys: keys)))
            try await app.networkServer.activateABP(devEUI: eui)
        }
        // Pre-build every datagram (real MICs and encryption), round-robin over the devices.
        var datagrams: [[UInt8]] = []
        datagrams.reserveCapacity(uplinks)
        for n in 0..<uplinks {
            let i = n % devices
            let fCnt = UInt32(n / devices)
            let fhdr = FHDR(devAddr: DevAddr(0x0100_0000 + UInt32(i)), fCtrl: FCtrl(direction: .uplink), fCnt: UInt16(truncatingIfNeeded: fCnt))
            var phy = PHYPayload(mhdr: MHDR(mType: .unconfirmedDataUp), payload: .data(MACPayload(fhdr: fhdr, fPort: 1, frmPayload: Array(repeating: UInt8(n & 0xFF), count: 12))), mic: nil)
            phy = try phy.cryptingFRMPayload(key: keys.appSKey, fCnt: fCnt)
            phy.mic = try phy.dataMIC(version: .lorawan1_0, keys: keys, fCnt: fCnt)
            let frame = UplinkFrame(phyPayload: try phy.serialized(),
                                    txInfo: UplinkTxInfo(frequency: 868_100_000, modulation: .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5")),
                                    rxInfo: UplinkRxInfo(gatewayEUI: gateway, concentratorTimestamp: UInt32(truncatingIfNeeded: n &* 1000), rssi: -60, snr: 7))
            datagrams.append(Datagram.pushData(version: .v2, token: UInt16(truncatingIfNeeded: n), gatewayEUI: gateway,
                                               payload: PushDataPayload(rxpk: [RxPacket(uplink: frame)])).encoded())
        }

        // 1. Bridge + network server.
        let task = Task { try await app.run() }
        let address = try await app.bridge.boundAddress
        let ns = app.networkServer
        let nsResult = try await blast(datagrams, to: address, rate: rate) { await ns.acceptedDataCount }
        task.cancel()
        _ = await task.result

        // 2. Baseline: the bridge alone, frames counted and discarded.
        let bridge = GatewayBridge(configuration: .init(port: 0), logger: logger, isKnownGateway: { _ in true })
        let counter = Counter()
        let bridgeTask = Task { try await bridge.run() }
        let drain = Task { for await _ in bridge.uplinks { await counter.increment() } }
        let bridgeAddress = try await bridge.boundAddress
        let baseline = try await blast(datagrams, to: bridgeAddress, rate: rate) { await counter.value }
        bridgeTask.cancel()
        _ = await bridgeTask.result
        drain.cancel()
        return (nsResult, baseline)
    }

    actor Counter {
        var value = 0
        func increment() { value += 1 }
    }

    /// Sends every datagram (paced at `rate`/s, or as fast as possible) and waits until `done()`
    /// stops growing; returns how many were processed and the time from first send to last.
    static func blast(_ datagrams: [[UInt8]], to address: SocketAddress, rate: Int?,
                      done: @escaping @Sendable () async -> Int) async throws -> Result {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        let clock = ContinuousClock()
        let start = clock.now
        var lastProgress = clock.now
        var lastCount = 0
        var lastDone = start
        let batch = 64
        var sent = 0
        while sent < datagrams.count {
            let end = min(sent + batch, datagrams.count)
            for d in datagrams[sent..<end] {
                var buffer = channel.allocator.buffer(capacity: d.count)
                buffer.writeBytes(d)
                channel.write(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
            }
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(capacity: 0))).get()
            sent = end
            if let rate {
                let due = start + .nanoseconds(Int64(Double(sent) / Double(rate) * 1e9))
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            }
        }
        // Wait for processing to finish: until the count reaches `sent` or stops moving for 2 s.
        while true {
            let n = await done()
            if n != lastCount { lastCount = n; lastProgress = clock.now; lastDone = clock.now }
            if n >= datagrams.count || clock.now - lastProgress > .seconds(2) { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let elapsed = lastDone - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(sent: datagrams.count, processed: lastCount, seconds: max(seconds, 1e-9))
    }
}
