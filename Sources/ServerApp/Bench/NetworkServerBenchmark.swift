import Foundation
import GatewayBridge
import LoRaWAN
public import Logging
import NetworkServer
import NIOCore
import NIOPosix
import PacketForwarder
import Registry

/// `lorikeet bench ns`: the network server end to end over loopback UDP, as a gateway sees it.
///
/// The composed server (`ServerApp`: gateway bridge, network server with its deduplication window,
/// SQLite registry with write-behind, the event pipeline to the embedded MQTT bus and the telemetry
/// store) runs in this process; a bench gateway sends PUSH_DATA datagrams built beforehand with
/// real MICs and encrypted payloads. An uplink counts as processed when the network server
/// accepted it (MIC and FCnt checked, payload decrypted, counter and `uplinks` row committed)
/// AND its `up` event reached a subscriber of the MQTT bus. Three measurements:
///
/// 1. Throughput: trials of `trialSeconds` at increasing offered rates, then a bisection; a rate
///    is sustained when every uplink is processed and the last one within `maxDrainSeconds` of the
///    last datagram sent (so a backlog that the server cannot work off does not count).
/// 2. Latency at `latencyRate` with a fraction of confirmed uplinks: from the send of a confirmed
///    uplink's (only, hence last) PUSH_DATA to the arrival of its PULL_RESP carrying the ACK,
///    every PULL_RESP checked afterwards (ACK bit, MIC with the device's NwkSKey, RX1 timing).
/// 3. Baselines in the same run: the same throughput search on the bridge alone (datagrams parsed
///    and acknowledged, frames counted and discarded), and the PUSH_ACK latency of the same
///    datagrams on the same sockets during the latency run (the UDP round trip without the
///    network server).
public enum NetworkServerBenchmark {
    public struct Options: Sendable {
        public var devices = 1000
        public var trialSeconds = 3.0
        public var startRate = 4000
        public var maxRate = 60_000
        public var maxDrainSeconds = 0.5
        public var latencyRate = 10_000
        public var latencySeconds = 5.0
        public var confirmedFraction = 0.1
        public var deduplicationWindowMillis = 200
        /// The server's deduplication early close (on by default, as in `serve`).
        public var earlyClose = true
        public var bridgeBaseline = true
        /// Answer every PULL_RESP with a TX_ACK, as protocol-v2 gateways do (the server then
        /// handles the acknowledgements and emits `txack` events too).
        public var txAck = false
        public init() {}
    }

    public struct Trial: Sendable {
        public var offeredRate: Int
        public var sent: Int
        public var accepted: Int
        public var published: Int
        /// From the first datagram sent to the last uplink processed.
        public var seconds: Double
        /// From the last datagram sent to the last uplink processed.
        public var drainSeconds: Double
        /// CPU time of the whole process (server and bench gateway) per processed uplink, in µs:
        /// a figure the machine's other load does not distort the way a rate is.
        public var cpuMicrosPerUplink: Double = .nan
        public var rate: Double { Double(min(accepted, published)) / seconds }
        public var lost: Int { sent - min(accepted, published) }
    }

    public struct Latency: Sendable {
        public var rate: Int
        public var uplinks: Int
        public var processed: Int
        public var confirmed: Int
        public var answered: Int
        /// PULL_RESPs whose ACK bit, MIC and RX1 timestamp checked out.
        public var verified: Int
        public var p50: Double
        public var p99: Double
        public var max: Double
        public var pushAckP50: Double
        public var pushAckP99: Double
        public var windowMillis: Int
        /// PULL_RESP latency per second of the run (by send time): p50, p99, max, count — shows
        /// whether a high p99 is a steady queue or one stall.
        public var perSecond: [(p50: Double, p99: Double, max: Double, count: Int)] = []
        /// Deduplication windows of the latency run closed early / at their deadline.
        public var windowsClosedEarly = 0
        public var windowsClosedAtDeadline = 0
    }

    public struct Report: Sendable {
        public var trials: [Trial]
        public var sustained: Int?
        public var bridgeTrials: [Trial]
        public var bridgeSustained: Int?
        public var latency: Latency
    }

    static let gatewayEUI = EUI64(0xBE00_0000_0000_0001)
    static let key = (try? AES128Key(hex: "00112233445566778899AABBCCDDEEFF")) ?? { fatalError("constant key") }()

    static func devAddr(_ i: Int) -> DevAddr { DevAddr(0x0100_0000 + UInt32(i)) }

    /// Provisions `count` ABP devices with sessions (application and profile "bench").
    static func provision(_ app: ServerApp, devices count: Int, windowMillis: Int) async throws {
        let keys = SessionKeys(nwkSKey: key, appSKey: key)
        try await app.registry.createApplication(Application(id: "bench", name: "bench"))
        try await app.registry.createDeviceProfile(DeviceProfile(id: "bench", name: "bench", adrEnabled: false))
        try await app.registry.upsertGateway(Gateway(gatewayEUI: gatewayEUI))
        for i in 0..<count {
            let eui = EUI64(0xBE_0000_0000 + UInt64(i))
            try await app.registry.createDevice(Device(devEUI: eui, applicationID: "bench", deviceProfileID: "bench",
                                                       abp: ABPSettings(devAddr: devAddr(i), keys: keys)))
            try await app.networkServer.activateABP(devEUI: eui)
        }
    }

    static func makeServer(logger: Logger, windowMillis: Int, earlyClose: Bool = true) async throws -> (ServerApp, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-bench-\(UUID().uuidString)").path
        var config = ServerConfiguration(dataDir: dir)
        config.gatewayBridge.port = 0
        config.http.port = 0
        config.broker.port = 0
        config.broker.webSocketPort = nil
        config.networkServer.deduplicationWindowMillis = windowMillis
        config.networkServer.deduplicationEarlyClose = earlyClose
        return (try await ServerApp(configuration: config, logger: logger), dir)
    }

    /// Builds uplink datagrams: device `n % devices`, its next FCnt, a unique `tmst` (n × 16 µs)
    /// and token (n mod 65536).
    struct Generator {
        let devices: Int
        var fCnts: [UInt32]
        var next = 0

        init(devices: Int) {
            self.devices = devices
            fCnts = Array(repeating: 0, count: devices)
        }

        mutating func datagram(confirmed: Bool) throws -> (n: Int, bytes: [UInt8]) {
            let n = next
            next += 1
            let i = n % devices
            let fCnt = fCnts[i]
            fCnts[i] &+= 1
            let keys = SessionKeys(nwkSKey: NetworkServerBenchmark.key, appSKey: NetworkServerBenchmark.key)
            let fhdr = FHDR(devAddr: NetworkServerBenchmark.devAddr(i), fCtrl: FCtrl(direction: .uplink), fCnt: UInt16(truncatingIfNeeded: fCnt))
            var phy = PHYPayload(mhdr: MHDR(mType: confirmed ? .confirmedDataUp : .unconfirmedDataUp),
                                 payload: .data(MACPayload(fhdr: fhdr, fPort: 1, frmPayload: (0..<12).map { UInt8(truncatingIfNeeded: n &+ $0) })), mic: nil)
            phy = try phy.cryptingFRMPayload(key: keys.appSKey, fCnt: fCnt)
            phy.mic = try phy.dataMIC(version: .lorawan1_0, keys: keys, fCnt: fCnt)
            let payload = try phy.serialized()
            let tmst = UInt32(truncatingIfNeeded: n &* 16)
            // The shape the Semtech packet forwarder sends (no GPS: no time field).
            let json = "{\"rxpk\":[{\"tmst\":\(tmst),\"chan\":0,\"rfch\":0,\"freq\":868.1,\"stat\":1,\"modu\":\"LORA\",\"datr\":\"SF7BW125\","
                + "\"codr\":\"4/5\",\"lsnr\":7.5,\"rssi\":-60,\"size\":\(payload.count),\"data\":\"\(Data(payload).base64EncodedString())\"}]}"
            let eui = NetworkServerBenchmark.gatewayEUI.bigEndianBytes
            return (n, [0x02, UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n), 0x00] + eui + Array(json.utf8))
        }
    }

    /// Runs the three measurements.
    public static func run(options: Options, logger: Logger, progress: @escaping @Sendable (String) -> Void) async throws -> Report {
        let (app, dir) = try await makeServer(logger: logger, windowMillis: options.deduplicationWindowMillis,
                                              earlyClose: options.earlyClose)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await provision(app, devices: options.devices, windowMillis: options.deduplicationWindowMillis)
        let published = CountBox()
        let upEvents = try app.broker.bus.subscribe(filter: "application/+/device/+/event/up", includeRetained: false, bufferSize: 1 << 20)
        let counting = Task { for await _ in upEvents { published.add(1) } }
        let serverTask = Task { try await app.run() }
        defer { serverTask.cancel(); counting.cancel() }
        let address = try await app.bridge.boundAddress
        let gateway = try await BenchGateway(target: address, txAck: options.txAck)
        defer { gateway.close() }
        var generator = Generator(devices: options.devices)
        let ns = app.networkServer

        // 1. Throughput search.
        let (trials, sustained) = try await search(options: options, progress: progress, label: "bridge + network server") { rate in
            let datagrams = try (0..<Int(Double(rate) * options.trialSeconds)).map { _ in try generator.datagram(confirmed: false).bytes }
            let before = (await ns.acceptedDataCount, published.value)
            return try await gateway.blast(datagrams, rate: rate, drainTimeout: options.maxDrainSeconds + 2) {
                let a = await ns.acceptedDataCount - before.0
                let p = published.value - before.1
                return (a, p)
            }
        }

        // 2. Latency at the given rate with confirmed uplinks; PUSH_ACK latency as the baseline.
        try await gateway.pullData()
        try await Task.sleep(for: .milliseconds(100))
        let count = Int(Double(options.latencyRate) * options.latencySeconds)
        var datagrams: [[UInt8]] = []
        var confirmedIndex: [Int: Int] = [:]   // tmst → position
        var stride = 0.0
        for k in 0..<count {
            stride += options.confirmedFraction
            let confirmed = stride >= 1
            if confirmed { stride -= 1 }
            let (n, bytes) = try generator.datagram(confirmed: confirmed)
            if confirmed { confirmedIndex[Int(UInt32(truncatingIfNeeded: n &* 16))] = k }
            datagrams.append(bytes)
        }
        gateway.startRecording()
        let before = (await ns.acceptedDataCount, published.value)
        let windowsBefore = (await ns.windowsClosedEarly, await ns.windowsClosedAtDeadline)
        let run = try await gateway.blast(datagrams, rate: options.latencyRate, drainTimeout: 3) {
            (await ns.acceptedDataCount - before.0, published.value - before.1)
        }
        try await Task.sleep(for: .milliseconds(300))
        var latency = gateway.stopRecording().analyse(sentAt: run.sentAt, tokens: datagrams.map { UInt16($0[1]) << 8 | UInt16($0[2]) },
                                                      confirmedIndex: confirmedIndex, devices: options.devices,
                                                      windowMillis: options.deduplicationWindowMillis, rate: options.latencyRate,
                                                      processed: min(run.trial.accepted, run.trial.published))
        latency.windowsClosedEarly = await ns.windowsClosedEarly - windowsBefore.0
        latency.windowsClosedAtDeadline = await ns.windowsClosedAtDeadline - windowsBefore.1
        serverTask.cancel()
        _ = await serverTask.result
        counting.cancel()

        // 3. Baseline: the bridge alone, same search.
        var bridgeTrials: [Trial] = []
        var bridgeSustained: Int?
        if options.bridgeBaseline {
            let bridge = GatewayBridge(configuration: .init(port: 0), logger: logger, batchedUplinks: true, isKnownGateway: { _ in true })
            let frames = CountBox()
            let bridgeTask = Task { try await bridge.run() }
            let drain = Task { for await batch in bridge.uplinkBatches { frames.add(batch.count) } }
            defer { bridgeTask.cancel(); drain.cancel() }
            let bridgeGateway = try await BenchGateway(target: try await bridge.boundAddress)
            defer { bridgeGateway.close() }
            var g2 = Generator(devices: options.devices)
            (bridgeTrials, bridgeSustained) = try await search(options: options, progress: progress, label: "bridge alone") { rate in
                let datagrams = try (0..<Int(Double(rate) * options.trialSeconds)).map { _ in try g2.datagram(confirmed: false).bytes }
                let before = frames.value
                return try await bridgeGateway.blast(datagrams, rate: rate, drainTimeout: options.maxDrainSeconds + 2) {
                    let n = frames.value - before
                    return (n, n)
                }
            }
        }
        return Report(trials: trials, sustained: sustained, bridgeTrials: bridgeTrials, bridgeSustained: bridgeSustained, latency: latency)
    }

    /// Raises the offered rate by half until a trial is not sustained (or `maxRate`), then
    /// bisects twice between the best sustained rate and the first failure.
    static func search(options: Options, progress: @Sendable (String) -> Void, label: String,
                       trial: (Int) async throws -> (trial: Trial, sentAt: [UInt64])) async throws -> ([Trial], Int?) {
        var trials: [Trial] = []
        var best: Int?
        var failed: Int?
        func ok(_ t: Trial) -> Bool { t.lost == 0 && t.drainSeconds <= options.maxDrainSeconds }
        func runOne(_ rate: Int) async throws -> Bool {
            var t = try await trial(rate).trial
            t.offeredRate = rate
            trials.append(t)
            progress(String(format: "  %@: offered %6d/s  accepted %6d  published %6d  of %6d  %8.0f/s  drain %.2f s  CPU %.0f µs/uplink  %@",
                            label, rate, t.accepted, t.published, t.sent, t.rate, t.drainSeconds, t.cpuMicrosPerUplink,
                            ok(t) ? "sustained" : "NOT sustained"))
            return ok(t)
        }
        var rate = options.startRate
        while rate <= options.maxRate {
            if try await runOne(rate) { best = rate } else { failed = rate; break }
            rate = rate * 3 / 2
        }
        if let lo0 = best, let hi0 = failed {
            var (lo, hi) = (lo0, hi0)
            for _ in 0..<2 {
                let mid = (lo + hi) / 2 / 500 * 500
                guard mid > lo, mid < hi else { break }
                if try await runOne(mid) { lo = mid; best = mid } else { hi = mid }
            }
        }
        return (trials, best)
    }
}

/// A thread-safe counter.
final class CountBox: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func add(_ n: Int) { lock.lock(); count += n; lock.unlock() }
}

/// CPU time (user + system) of this process so far, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Monotonic nanoseconds.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// The bench's gateway: one UDP socket that sends PUSH_DATA/PULL_DATA and, while recording,
/// keeps every datagram the server sends back with its arrival time.
final class BenchGateway: Sendable {
    let channel: any Channel
    let target: SocketAddress
    let recorder: Recorder

    final class Recorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let lock = NSLock()
        var recording = false
        var received: [(nanos: UInt64, bytes: [UInt8])] = []
        /// Answer each PULL_RESP with a TX_ACK (protocol v2, no error) carrying its token.
        let answerTxAck: Bool

        init(answerTxAck: Bool) { self.answerTxAck = answerTxAck }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let now = monotonicNanos()
            let envelope = unwrapInboundIn(data)
            let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes) ?? []
            if answerTxAck, bytes.count >= 4, bytes[3] == 0x03 {
                var ack = context.channel.allocator.buffer(capacity: 12)
                ack.writeBytes([0x02, bytes[1], bytes[2], 0x05] + NetworkServerBenchmark.gatewayEUI.bigEndianBytes)
                context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ack)), promise: nil)
            }
            lock.lock()
            defer { lock.unlock() }
            guard recording else { return }
            received.append((now, bytes))
        }
    }

    init(target: SocketAddress, txAck: Bool = false) async throws {
        let recorder = Recorder(answerTxAck: txAck)
        self.recorder = recorder
        self.target = target
        channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048))
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(recorder) } }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func close() { channel.close(promise: nil) }

    func pullData() async throws {
        var b = channel.allocator.buffer(capacity: 12)
        b.writeBytes([0x02, 0x00, 0x01, 0x02] + NetworkServerBenchmark.gatewayEUI.bigEndianBytes)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: b)).get()
    }

    func startRecording() {
        recorder.lock.lock()
        recorder.recording = true
        recorder.received = []
        recorder.lock.unlock()
    }

    func stopRecording() -> Recording {
        recorder.lock.lock()
        defer { recorder.lock.unlock() }
        recorder.recording = false
        let r = Recording(received: recorder.received)
        recorder.received = []
        return r
    }

    /// Sends every datagram paced at `rate`/s (64 per flush), then waits until `counts()` reaches
    /// the number sent or stops moving for `drainTimeout` seconds.
    func blast(_ datagrams: [[UInt8]], rate: Int, drainTimeout: Double,
               counts: @escaping @Sendable () async -> (accepted: Int, published: Int)) async throws -> (trial: NetworkServerBenchmark.Trial, sentAt: [UInt64]) {
        var sentAt = [UInt64](repeating: 0, count: datagrams.count)
        let cpuStart = processCPUSeconds()
        let start = monotonicNanos()
        let batch = 64
        var sent = 0
        while sent < datagrams.count {
            let end = min(sent + batch, datagrams.count)
            for k in sent..<end {
                var buffer = channel.allocator.buffer(capacity: datagrams[k].count)
                buffer.writeBytes(datagrams[k])
                sentAt[k] = monotonicNanos()
                channel.write(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
            }
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: channel.allocator.buffer(capacity: 0))).get()
            sent = end
            let due = start + UInt64(Double(sent) / Double(rate) * 1e9)
            let now = monotonicNanos()
            if due > now { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
        }
        let lastSent = monotonicNanos()
        var last = (0, 0)
        var lastChange = lastSent
        while true {
            let c = await counts()
            let now = monotonicNanos()
            if c != last { last = c; lastChange = now }
            if (c.accepted >= datagrams.count && c.published >= datagrams.count) || Double(now - lastChange) / 1e9 > drainTimeout { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        let seconds = Double(lastChange - start) / 1e9
        let drain = Double(lastChange > lastSent ? lastChange - lastSent : 0) / 1e9
        let cpu = processCPUSeconds() - cpuStart
        return (NetworkServerBenchmark.Trial(offeredRate: rate, sent: datagrams.count, accepted: last.0, published: last.1,
                                             seconds: max(seconds, 1e-9), drainSeconds: drain,
                                             cpuMicrosPerUplink: cpu * 1e6 / Double(max(1, min(last.0, last.1)))), sentAt)
    }

    struct Recording {
        let received: [(nanos: UInt64, bytes: [UInt8])]

        /// Matches PUSH_ACKs by token and PULL_RESPs by RX1 timestamp (uplink `tmst` + 1 s) and
        /// checks each PULL_RESP: ACK bit set, MIC valid under the device's NwkSKey.
        func analyse(sentAt: [UInt64], tokens: [UInt16], confirmedIndex: [Int: Int], devices: Int, windowMillis: Int,
                     rate: Int, processed: Int) -> NetworkServerBenchmark.Latency {
            var byToken: [UInt16: Int] = [:]
            for (k, t) in tokens.enumerated() { byToken[t] = k }
            var ackLatencies: [Double] = []
            var respLatencies: [Double] = []
            var bySecond: [Int: [Double]] = [:]
            let start = sentAt.first(where: { $0 > 0 }) ?? 0
            var verified = 0
            let keys = SessionKeys(nwkSKey: NetworkServerBenchmark.key, appSKey: NetworkServerBenchmark.key)
            for (nanos, bytes) in received {
                guard bytes.count >= 4 else { continue }
                if bytes[3] == 0x01 {
                    let token = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
                    if let k = byToken[token], sentAt[k] > 0, nanos > sentAt[k] { ackLatencies.append(Double(nanos - sentAt[k]) / 1e6) }
                    continue
                }
                guard bytes[3] == 0x03, case let .pullResp(_, _, payload)? = try? Datagram(bytes: bytes),
                      let tmst = payload.txpk.tmst else { continue }
                let uplinkTmst = Int(tmst &- 1_000_000)
                guard let k = confirmedIndex[uplinkTmst], nanos > sentAt[k] else { continue }
                respLatencies.append(Double(nanos - sentAt[k]) / 1e6)
                bySecond[Int((sentAt[k] &- start) / 1_000_000_000), default: []].append(Double(nanos - sentAt[k]) / 1e6)
                // Check the downlink: an ACK for that device, MIC valid.
                guard let data = payload.txpk.data, let raw = Data(base64Encoded: data), let phy = try? PHYPayload(bytes: Array(raw)),
                      let mac = phy.macPayload, mac.fhdr.fCtrl.ack else { continue }
                let i = Int(mac.fhdr.devAddr.rawValue &- 0x0100_0000)
                guard i >= 0, i < devices, mac.fhdr.devAddr == NetworkServerBenchmark.devAddr(i),
                      let mic = try? phy.dataMIC(version: .lorawan1_0, keys: keys, fCnt: UInt32(mac.fhdr.fCnt)), mic == phy.mic else { continue }
                verified += 1
            }
            func pct(_ v: [Double], _ p: Double) -> Double {
                guard !v.isEmpty else { return .nan }
                let s = v.sorted()
                return s[min(s.count - 1, Int((Double(s.count) * p).rounded(.up)) - 1)]
            }
            var latency = NetworkServerBenchmark.Latency(rate: rate, uplinks: sentAt.count, processed: processed, confirmed: confirmedIndex.count,
                                                         answered: respLatencies.count, verified: verified,
                                                         p50: pct(respLatencies, 0.5), p99: pct(respLatencies, 0.99), max: respLatencies.max() ?? .nan,
                                                         pushAckP50: pct(ackLatencies, 0.5), pushAckP99: pct(ackLatencies, 0.99), windowMillis: windowMillis)
            latency.perSecond = bySecond.keys.sorted().map { k in
                let v = bySecond[k] ?? []
                return (p50: pct(v, 0.5), p99: pct(v, 0.99), max: v.max() ?? .nan, count: v.count)
            }
            return latency
        }
    }
}
