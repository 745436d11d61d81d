import Foundation
import LoRaWAN
import NIOCore
import NIOPosix
import PacketForwarder
import RegionalParameters
import Synchronization

/// `lorikeet simulate`: gateways speaking Semtech packet-forwarder UDP (PULL_DATA keep-alives,
/// PUSH_DATA per uplink, TX_ACK for every PULL_RESP) and devices with real LoRaWAN crypto that
/// join over the air (1.0.3 or 1.1), send uplinks at an aggregate rate, and check every downlink
/// (join-accept MIC, data MIC and FCnt, RX1/RX2 timing against the uplink's `tmst`, ACKs).
///
/// A run: provision through the HTTP API (OTAA) → PULL_DATA from every gateway (a missing
/// PULL_ACK is a clear error) → joins, paced at `joinRate`, retried with a new DevNonce when the
/// accept does not come → uplinks for `duration` at `rate` → wait for the last answers → report.
/// Device i is heard by 1 + (i mod G) gateways with falling SNR/RSSI, so the server's
/// deduplication and best-gateway choice are exercised; a downlink through another gateway is a
/// failure.
public enum Simulator {
    /// The application and device-profile ids the simulator provisions.
    public static let applicationID = "simulator"

    /// Runs a whole simulation and returns its report.
    public static func run(_ configuration: SimulationConfiguration) async throws -> SimulationReport {
        try configuration.validate()
        let c = configuration
        let parts = c.target.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw SimulatorError.invalidArgument("--target must be host:port, got \(c.target)")
        }
        let address: SocketAddress
        do { address = try SocketAddress.makeAddressResolvingHost(String(parts[0]), port: port) } catch {
            throw SimulatorError.invalidArgument("--target: cannot resolve \(parts[0])")
        }
        let gatewayEUIs = (0..<c.gateways).map { EUI64(c.gatewayEUIBase.rawValue &+ UInt64($0)) }
        let devices = try makeDevices(c)
        if let api = c.api, c.abpDevices == nil {
            try await Provisioner(api: api).provision(applicationID: applicationID, profileID: profileID(c), configuration: c,
                                                      devices: devices.map(\.device), gatewayEUIs: gatewayEUIs)
        }
        let engine = Engine(configuration: c, devices: devices, gatewayEUIs: gatewayEUIs)
        var channels: [any NIOCore.Channel] = []
        defer { for ch in channels { ch.close(promise: nil) } }
        for g in 0..<c.gateways {
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
                // A burst of PUSH_ACKs must not overflow the default ~200 KB socket buffer
                // (each tiny datagram costs ~1 KB of it); the kernel caps this at rmem_max.
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(GatewayHandler(engine: engine, gateway: g)) }
                }
                .bind(host: address.protocol == .inet6 ? "::1" : "127.0.0.1", port: 0).get()
            channels.append(channel)
        }
        return try await engine.run(channels: channels, server: address)
    }

    /// The device-profile id for a configuration's region, version and ADR (`sim-EU868-103-adr`).
    static func profileID(_ c: SimulationConfiguration) -> String {
        "sim-\(c.plan.id)-\(c.macVersion == .lorawan1_1 ? "110" : "103")\(c.adr ? "-adr" : "")"
    }

    /// The devices with their radio state: ABP ones from the file, else fresh OTAA ones with
    /// random keys (they are re-created in the server on every run).
    static func makeDevices(_ c: SimulationConfiguration) throws -> [SimulationState.Device] {
        let plan = c.plan
        // The fastest 125 kHz LoRa data rate of the first uplink channel.
        var dataRate = plan.uplinkChannels[0].maxDataRate
        while dataRate > plan.uplinkChannels[0].minDataRate {
            if case let .lora(_, bandwidth, _)? = try? plan.modulation(forDataRate: dataRate), bandwidth == 125_000 { break }
            dataRate -= 1
        }
        let rx2 = plan.rx2(joinChannelIndex: nil)
        var rng = SystemRandomNumberGenerator()
        func randomKey() throws -> AES128Key { try AES128Key(bytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
        let list: [SimulatedDevice]
        if let abp = c.abpDevices {
            list = abp
        } else {
            list = try (0..<c.devices).map { i in
                try SimulatedDevice(devEUI: EUI64(c.devEUIBase.rawValue &+ UInt64(i)), joinEUI: c.joinEUI, appKey: randomKey(),
                                    nwkKey: c.macVersion == .lorawan1_1 ? randomKey() : nil, version: c.macVersion, devNonce: 1)
            }
        }
        return list.enumerated().map { i, d in
            let heard = 1 + i % c.gateways
            return SimulationState.Device(device: d, joined: c.abpDevices != nil, joinAttemptsLeft: c.joinAttempts, rx2: rx2,
                                          dataRate: dataRate, gateways: (0..<heard).map { (i + $0) % c.gateways })
        }
    }
}

/// The running simulation: the state behind a mutex (touched by the sending task and by the
/// gateways' event loops), the clock, and the gateways' concentrator counters.
final class Engine: Sendable {
    let configuration: SimulationConfiguration
    let gatewayEUIs: [EUI64]
    let state: Mutex<SimulationState>
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant
    /// Per gateway: the last concentrator time handed out (µs since start), so every frame a
    /// gateway reports has its own `tmst`, and the next PUSH_DATA token.
    let gatewayCounters: Mutex<(micros: [Int64], tokens: [UInt16])>
    let socketErrors = Atomic<Int>(0)

    init(configuration: SimulationConfiguration, devices: [SimulationState.Device], gatewayEUIs: [EUI64]) {
        self.configuration = configuration
        self.gatewayEUIs = gatewayEUIs
        self.state = Mutex(SimulationState(plan: configuration.plan, devices: devices, gateways: gatewayEUIs.count))
        self.start = clock.now
        self.gatewayCounters = Mutex((Array(repeating: 0, count: gatewayEUIs.count),
                                      (0..<gatewayEUIs.count).map { _ in UInt16.random(in: 0...UInt16.max) }))
    }

    /// Nanoseconds since the start.
    var nanos: Int64 {
        let d = clock.now - start
        return d.components.seconds &* 1_000_000_000 &+ d.components.attoseconds / 1_000_000_000
    }

    /// Each gateway's concentrator counter starts at its own offset, as real ones do.
    static func offset(_ gateway: Int) -> Int64 { Int64(gateway) &* 1_234_567_891 &+ 1_000_000 }

    /// The concentrator timestamp of gateway `g` now (as the radio would stamp a frame).
    func nowTmst(_ g: Int) -> UInt32 { UInt32(truncatingIfNeeded: nanos / 1000 &+ Self.offset(g)) }

    /// A fresh, strictly increasing timestamp and the next token for one PUSH_DATA of gateway `g`.
    func stamp(_ g: Int) -> (tmst: UInt32, token: UInt16) {
        let now = nanos / 1000
        return gatewayCounters.withLock { counters in
            let micros = max(now, counters.micros[g] + 1)
            counters.micros[g] = micros
            counters.tokens[g] &+= 1
            return (UInt32(truncatingIfNeeded: micros &+ Self.offset(g)), counters.tokens[g])
        }
    }

    func nextToken(_ g: Int) -> UInt16 { gatewayCounters.withLock { $0.tokens[g] &+= 1; return $0.tokens[g] } }

    /// A datagram from the server to gateway `g`: counts acks, checks PULL_RESPs, returns the TX_ACK.
    func receive(_ bytes: [UInt8], gateway g: Int) -> [UInt8]? {
        let now = nanos
        let tmst = nowTmst(g)
        return state.withLock { $0.receivePullResp(bytes, gateway: g, gatewayEUI: gatewayEUIs[g], now: now, nowTmst: tmst) }
    }

    // MARK: Transmissions

    /// Builds the PUSH_DATA copies of one frame from a device, registers the receive windows.
    /// Runs under the state lock.
    private func copies(_ s: inout SimulationState, device d: Int, phy: [UInt8], frequency: Int, dataRate: Int,
                        kind: SimulationState.Kind, confirmed: Bool, fCnt: UInt32, rx1DROffset: Int) -> [(Int, [UInt8])] {
        let plan = configuration.plan
        let modulation = (try? plan.modulation(forDataRate: dataRate)) ?? .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5")
        var out: [(Int, [UInt8])] = []
        var stamped: [(gateway: Int, tmst: UInt32)] = []
        for (j, g) in s.devices[d].gateways.enumerated() {
            let (tmst, token) = stamp(g)
            let frame = UplinkFrame(phyPayload: phy, txInfo: UplinkTxInfo(frequency: UInt32(frequency), modulation: modulation),
                                    rxInfo: UplinkRxInfo(gatewayEUI: gatewayEUIs[g], concentratorTimestamp: tmst,
                                                         rssi: -50 - 7 * j - d % 30, snr: 9.5 - 2.5 * Double(j)))
            out.append((g, Datagram.pushData(version: .v2, token: token, gatewayEUI: gatewayEUIs[g],
                                             payload: PushDataPayload(rxpk: [RxPacket(uplink: frame)])).encoded()))
            stamped.append((g, tmst))
        }
        let joinWindow = kind == .join
        let rx1 = try? plan.rx1(uplinkFrequency: frequency, uplinkDataRate: dataRate, rx1DROffset: joinWindow ? 0 : rx1DROffset)
        let rx2 = joinWindow ? plan.rx2(joinChannelIndex: plan.joinChannelIndex(frequency: frequency)) : s.devices[d].rx2
        let delay = joinWindow ? plan.joinAcceptDelay1 / 1000 : s.devices[d].rx1DelaySeconds
        let id = s.register(.init(device: d, kind: kind, confirmed: confirmed, fCnt: fCnt, sentAt: nanos, copies: stamped,
                                  rxDelaySeconds: max(1, delay), rx1: rx1, rx2: rx2))
        if kind == .join { s.devices[d].pendingJoin = id }
        s.pushDataSent += out.count
        return out
    }

    /// A join-request from device `d` (a new DevNonce each time).
    func joinRequest(device d: Int, sequence: Int) -> [(Int, [UInt8])] {
        state.withLock { s in
            guard let phy = try? s.devices[d].device.joinRequest() else { return [] }
            s.devices[d].joinAttemptsLeft -= 1
            s.joinRequests += 1
            let channels = configuration.plan.joinChannels.isEmpty ? configuration.plan.uplinkChannels : configuration.plan.joinChannels
            let channel = channels[sequence % min(channels.count, 8)]
            let dataRate = min(max(s.devices[d].dataRate, channel.minDataRate), channel.maxDataRate)
            return copies(&s, device: d, phy: phy, frequency: channel.frequency, dataRate: dataRate, kind: .join,
                          confirmed: false, fCnt: 0, rx1DROffset: 0)
        }
    }

    /// A data uplink from device `d`, carrying pending MAC answers and the ACK of a confirmed downlink.
    func dataUplink(device d: Int, sequence: Int, confirmed: Bool) -> [(Int, [UInt8])] {
        state.withLock { s in
            let plan = configuration.plan
            let channelIndex = sequence % min(plan.uplinkChannels.count, 8)
            let channel = plan.uplinkChannels[channelIndex]
            let dataRate = min(max(s.devices[d].dataRate, channel.minDataRate), channel.maxDataRate)
            let fCnt = s.devices[d].device.fCntUp
            let fOpts = s.takeFOpts(device: d)
            let ack = s.devices[d].ackNext
            s.devices[d].ackNext = false
            guard let phy = try? s.devices[d].device.dataUplink(fPort: 1, payload: configuration.payload.bytes(device: d, fCnt: fCnt),
                                                              confirmed: confirmed, adr: configuration.adr, ack: ack, fOpts: fOpts,
                                                              txDR: UInt8(truncatingIfNeeded: dataRate), txCh: UInt8(truncatingIfNeeded: channelIndex))
            else { return [] }
            s.uplinksSent += 1
            if confirmed { s.confirmedSent += 1 }
            return copies(&s, device: d, phy: phy, frequency: channel.frequency, dataRate: dataRate, kind: .data,
                          confirmed: confirmed, fCnt: fCnt, rx1DROffset: s.devices[d].rx1DROffset)
        }
    }

    // MARK: The run

    func run(channels: [any NIOCore.Channel], server: SocketAddress) async throws -> SimulationReport {
        let c = configuration
        // One hop onto each gateway's event loop per batch: writes, then a single flush.
        func send(_ items: [(Int, [UInt8])]) {
            var perGateway = Array(repeating: [[UInt8]](), count: channels.count)
            for (g, bytes) in items { perGateway[g].append(bytes) }
            for (g, datagrams) in perGateway.enumerated() where !datagrams.isEmpty {
                let channel = channels[g]
                channel.eventLoop.execute {
                    for bytes in datagrams {
                        var buffer = channel.allocator.buffer(capacity: bytes.count)
                        buffer.writeBytes(bytes)
                        channel.write(AddressedEnvelope(remoteAddress: server, data: buffer), promise: nil)
                    }
                    channel.flush()
                }
            }
        }
        func keepalive() {
            send((0..<channels.count).map { g in (g, Datagram.pullData(version: .v2, token: nextToken(g), gatewayEUI: gatewayEUIs[g]).encoded()) })
        }
        func sleep(until nanos: Int64) async throws {
            let wait = nanos - self.nanos
            if wait > 0 { try await Task.sleep(for: .nanoseconds(min(wait, 50_000_000))) }
        }
        let runStart = nanos
        // 1. Every gateway announces itself; no PULL_ACK at all means nobody listens.
        keepalive()
        while state.withLock({ $0.pullAcks }) < channels.count, nanos - runStart < 2_000_000_000 {
            try await Task.sleep(for: .milliseconds(5))
        }
        guard state.withLock({ $0.pullAcks }) > 0 else { throw SimulatorError.serverUnreachable(target: c.target) }
        var lastKeepalive = nanos
        let keepaliveNanos = Int64(c.keepalive.components.seconds) * 1_000_000_000 + c.keepalive.components.attoseconds / 1_000_000_000
        func housekeeping() -> [Int] {
            let now = nanos
            if now - lastKeepalive >= keepaliveNanos { keepalive(); lastKeepalive = now }
            // A record is dead once its RX2 window (at most join delay + 1 s) passed, plus slack.
            let horizon = Int64(c.plan.joinAcceptDelay2 / 1000 + 1) * 1_000_000_000
            let dataHorizon: Int64 = 3_500_000_000
            return state.withLock { $0.expire(sentBefore: now - max(horizon, dataHorizon)) }
        }

        // 2. Joins, paced at joinRate; unanswered ones retried with a new DevNonce.
        var queue = state.withLock { s in s.devices.indices.filter { !s.devices[$0].joined } }
        var sentJoins = 0
        var next = 0
        let joinStart = nanos
        while true {
            if next < queue.count {
                let due = joinStart + Int64(Double(sentJoins) / c.joinRate * 1e9)
                try await sleep(until: due)
                while next < queue.count, joinStart + Int64(Double(sentJoins) / c.joinRate * 1e9) <= nanos {
                    send(joinRequest(device: queue[next], sequence: sentJoins))
                    next += 1
                    sentJoins += 1
                }
            } else if state.withLock({ s in s.devices.contains { $0.pendingJoin != nil } }) {
                try await Task.sleep(for: .milliseconds(20))
            } else {
                break
            }
            queue += housekeeping()
        }

        // 3. Data uplinks at the aggregate rate, round robin over the joined devices.
        let active = state.withLock { s in s.devices.indices.filter { s.devices[$0].joined } }
        let uplinkStart = nanos
        let durationNanos = Int64(c.duration.components.seconds) * 1_000_000_000 + c.duration.components.attoseconds / 1_000_000_000
        var k = 0
        if !active.isEmpty {
            while nanos - uplinkStart < durationNanos {
                let now = nanos
                let due = Int(Double(now - uplinkStart) / 1e9 * c.rate) + 1
                var batch: [(Int, [UInt8])] = []
                while k < due, uplinkStart + Int64(Double(k) / c.rate * 1e9) < uplinkStart + durationNanos {
                    let confirmed = Int(Double(k + 1) * c.confirmedFraction) > Int(Double(k) * c.confirmedFraction)
                    batch += dataUplink(device: active[k % active.count], sequence: k, confirmed: confirmed)
                    k += 1
                    if batch.count >= 64 { send(batch); batch.removeAll(keepingCapacity: true) }
                }
                send(batch)
                _ = housekeeping()
                try await sleep(until: uplinkStart + Int64(Double(k) / c.rate * 1e9))
            }
        }
        let uplinkEnd = nanos

        // 4. The last answers: confirmed uplinks wait for their ACK (at most until RX2 passed),
        // PUSH_DATA for its PUSH_ACK.
        while nanos - uplinkEnd < 3_500_000_000 {
            let (waiting, unacked) = state.withLock { ($0.awaitingAnswers, $0.pushDataSent - $0.pushAcks) }
            if waiting == 0 && unacked <= 0 { break }
            try await Task.sleep(for: .milliseconds(10))
            _ = housekeeping()
        }
        let end = nanos
        return state.withLock { s in
            _ = s.expire(sentBefore: .max)
            let unjoined = s.devices.filter { !$0.joined }.count
            let uplinkSeconds = Double(uplinkEnd - uplinkStart) / 1e9
            return SimulationReport(
                devices: s.devices.count, gateways: c.gateways, region: c.plan.id,
                macVersion: c.abpDevices != nil ? "1.0.3" : (c.macVersion == .lorawan1_1 ? "1.1.0" : "1.0.3"),
                joinRequests: s.joinRequests, joins: s.joins, uplinksSent: s.uplinksSent, confirmedSent: s.confirmedSent,
                uplinksAcknowledged: s.uplinksAcknowledged, downlinks: s.downlinks, macCommandsReceived: s.macReceived,
                macCommandsAnswered: s.macAnswered, pushDataSent: s.pushDataSent, pushAcks: s.pushAcks, pullAcks: s.pullAcks,
                txAcks: s.txAcks, latencyMillis: .init(samples: s.latencies), joinLatencyMillis: .init(samples: s.joinLatencies),
                losses: .init(joinsUnanswered: unjoined, confirmedUnacknowledged: s.confirmedUnacknowledged,
                              pushDataUnacknowledged: max(0, s.pushDataSent - s.pushAcks)),
                failures: s.failures, seconds: Double(end - runStart) / 1e9, uplinkSeconds: uplinkSeconds,
                uplinkRate: uplinkSeconds > 0 ? Double(s.uplinksSent) / uplinkSeconds : 0)
        }
    }
}

/// One gateway's socket: every datagram from the server goes to the engine; a PULL_RESP is
/// answered with TX_ACK at once. Socket errors (ICMP port unreachable while the server is down)
/// are counted, never fatal.
final class GatewayHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let engine: Engine
    let gateway: Int

    init(engine: Engine, gateway: Int) {
        self.engine = engine
        self.gateway = gateway
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        guard let reply = engine.receive(bytes, gateway: gateway) else { return }
        var buffer = context.channel.allocator.buffer(capacity: reply.count)
        buffer.writeBytes(reply)
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        engine.socketErrors.add(1, ordering: .relaxed)
    }
}
