import Foundation
public import LoRaWAN
import NIOCore
import NIOPosix
import PacketForwarder

/// `lorikeet simulate`: one gateway speaking Semtech packet-forwarder UDP (PUSH_DATA / PULL_DATA)
/// and ABP devices with real LoRaWAN 1.0.x crypto (encrypted FRMPayload, data MIC), sending
/// uplinks at a fixed interval. It registers nothing: the devices must already exist in the
/// server (same DevAddr and session keys), e.g. from `lorikeet device import` of the same file.
public enum Simulator {
    /// One simulated ABP device (the JSON field names of `lorikeet device import`).
    public struct DeviceKeys: Codable, Sendable, Hashable {
        public var dev_eui: String
        public var dev_addr: String
        public var nwk_s_key: String
        public var app_s_key: String
        /// First FCnt to send (default 0).
        public var f_cnt: UInt32?
    }

    /// What the devices send.
    public enum Payload: Sendable, Hashable {
        /// Cayenne LPP: channel 1 temperature (0x67), channel 2 humidity (0x68), varying per uplink.
        case cayenne
        /// Fixed bytes.
        case bytes([UInt8])

        /// Parses `cayenne` or `hex:<bytes>`.
        public init(parsing text: String) throws(SimulatorError) {
            if text == "cayenne" { self = .cayenne; return }
            guard text.hasPrefix("hex:"), let b = try? [UInt8](hex: String(text.dropFirst(4))) else {
                throw .invalidArgument("payload must be cayenne or hex:<bytes>, got \(text)")
            }
            self = .bytes(b)
        }

        func bytes(device: Int, fCnt: UInt32) -> [UInt8] {
            switch self {
            case let .bytes(b): return b
            case .cayenne:
                let temp = Int16(200 + Int(fCnt % 50) + device % 7)  // 20.0–27.6 °C, 0.1 °C units
                let hum = UInt8(80 + (Int(fCnt) + device) % 40)        // 40–59.5 %, 0.5 % units
                return [0x01, 0x67, UInt8(truncatingIfNeeded: temp >> 8), UInt8(truncatingIfNeeded: temp), 0x02, 0x68, hum]
            }
        }
    }

    /// The run's result, printed as JSON by the command.
    public struct Report: Codable, Sendable, Hashable {
        public var devices: Int
        public var uplinksSent: Int
        /// PUSH_DATA datagrams the server acknowledged (PUSH_ACK with the same token).
        public var pushAcks: Int
        public var pullAcks: Int
        public var seconds: Double
    }

    /// Parses the devices file: a JSON array of `DeviceKeys`.
    public static func loadDevices(path: String) throws(SimulatorError) -> [(devEUI: EUI64, devAddr: DevAddr, keys: SessionKeys, fCnt: UInt32)] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalidArgument("cannot read \(path)") }
        let list: [DeviceKeys]
        do { list = try JSONDecoder().decode([DeviceKeys].self, from: data) } catch {
            throw .invalidDevicesFile("\(error)".prefix(200).description)
        }
        var out: [(EUI64, DevAddr, SessionKeys, UInt32)] = []
        for (i, d) in list.enumerated() {
            do {
                out.append((try EUI64(hex: d.dev_eui), try DevAddr(hex: d.dev_addr),
                            SessionKeys(nwkSKey: try AES128Key(hex: d.nwk_s_key), appSKey: try AES128Key(hex: d.app_s_key)), d.f_cnt ?? 0))
            } catch {
                throw .invalidDevicesFile("device \(i): \(error)")
            }
        }
        guard !out.isEmpty else { throw .invalidDevicesFile("no devices") }
        return out.map { (devEUI: $0.0, devAddr: $0.1, keys: $0.2, fCnt: $0.3) }
    }

    /// Runs the gateway: every `interval` each device sends one uplink (spread over the interval),
    /// for `duration`; then waits up to 1 s for the last acknowledgements.
    public static func run(server: String, gatewayEUI: EUI64, devices: [(devEUI: EUI64, devAddr: DevAddr, keys: SessionKeys, fCnt: UInt32)],
                           interval: Duration, duration: Duration, payload: Payload) async throws -> Report {
        let parts = server.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw SimulatorError.invalidArgument("--server must be host:port, got \(server)")
        }
        let address = try SocketAddress.makeAddressResolvingHost(String(parts[0]), port: port)
        let counter = AckCounter()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { ch in ch.pipeline.addHandler(AckHandler(counter: counter)) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        func send(_ bytes: [UInt8]) async throws {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer)).get()
        }
        let clock = ContinuousClock()
        let start = clock.now
        var token: UInt16 = 0
        try await send(Datagram.pullData(version: .v2, token: token, gatewayEUI: gatewayEUI).encoded())
        var counters = devices.map(\.fCnt)
        var sent = 0
        var round = 0
        let spacing = interval / max(devices.count, 1)
        while clock.now - start < duration {
            let roundStart = start + interval * round
            for (i, d) in devices.enumerated() {
                let due = roundStart + spacing * i
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                let fCnt = counters[i]
                counters[i] &+= 1
                let fhdr = FHDR(devAddr: d.devAddr, fCtrl: FCtrl(direction: .uplink), fCnt: UInt16(truncatingIfNeeded: fCnt))
                var phy = PHYPayload(mhdr: MHDR(mType: .unconfirmedDataUp),
                                     payload: .data(MACPayload(fhdr: fhdr, fPort: 1, frmPayload: payload.bytes(device: i, fCnt: fCnt))), mic: nil)
                phy = try phy.cryptingFRMPayload(key: d.keys.appSKey, fCnt: fCnt)
                phy.mic = try phy.dataMIC(version: .lorawan1_0, keys: d.keys, fCnt: fCnt)
                let elapsed = clock.now - start
                let micros = UInt32(truncatingIfNeeded: elapsed.components.seconds &* 1_000_000 &+ elapsed.components.attoseconds / 1_000_000_000_000)
                let frame = UplinkFrame(phyPayload: try phy.serialized(),
                                        txInfo: UplinkTxInfo(frequency: [868_100_000, 868_300_000, 868_500_000][i % 3],
                                                             modulation: .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5")),
                                        rxInfo: UplinkRxInfo(gatewayEUI: gatewayEUI, concentratorTimestamp: micros, rssi: -60 - i % 40, snr: 7))
                token &+= 1
                try await send(Datagram.pushData(version: .v2, token: token, gatewayEUI: gatewayEUI,
                                                 payload: PushDataPayload(rxpk: [RxPacket(uplink: frame)])).encoded())
                sent += 1
                if clock.now - start >= duration { break }
            }
            round += 1
        }
        let sendEnd = clock.now
        while clock.now - sendEnd < .seconds(1), await counter.pushAcks < sent {
            try await Task.sleep(for: .milliseconds(10))
        }
        let elapsed = clock.now - start
        return Report(devices: devices.count, uplinksSent: sent, pushAcks: await counter.pushAcks, pullAcks: await counter.pullAcks,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

/// What went wrong, said plainly.
public enum SimulatorError: Error, CustomStringConvertible, Sendable {
    case invalidArgument(String)
    case invalidDevicesFile(String)

    public var description: String {
        switch self {
        case let .invalidArgument(m): return m
        case let .invalidDevicesFile(m): return "devices file: \(m)"
        }
    }
}

actor AckCounter {
    var pushAcks = 0
    var pullAcks = 0
    func record(_ type: PacketType) {
        if type == .pushAck { pushAcks += 1 } else if type == .pullAck { pullAcks += 1 }
    }
}

final class AckHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let counter: AckCounter
    init(counter: AckCounter) { self.counter = counter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        // Anything unparsable from the server is ignored (counted nowhere).
        guard let datagram = try? Datagram(bytes: envelope.data.readableBytesView) else { return }
        let type = datagram.packetType
        let counter = self.counter
        Task { await counter.record(type) }
    }
}
