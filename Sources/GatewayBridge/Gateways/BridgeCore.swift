import LoRaWAN
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PacketForwarder

/// The protocol logic of the bridge without the socket: given a datagram and its source address,
/// it updates the gateway table and returns the answer to send (PUSH_ACK/PULL_ACK) plus the frames
/// and events to deliver. Thread-safe; the UDP handler calls it from the event loop.
final class BridgeCore: Sendable {
    struct Outcome {
        var reply: [UInt8]?
        var frames: [UplinkFrame] = []
        var events: [GatewayBridgeEvent] = []
    }

    struct PendingDownlink {
        var downlinkID: UInt32
        var gatewayEUI: EUI64
        var sentMillis: Int64
    }

    struct State {
        var gateways: [EUI64: GatewayStatus] = [:]
        /// Downlink routes: the socket address of each gateway's last PULL_DATA.
        var routes: [EUI64: Route] = [:]
        var pending: [UInt16: PendingDownlink] = [:]
        /// `pending`'s tokens in sending order: a gateway that never sends TX_ACK (protocol v1)
        /// has its downlinks forgotten oldest first, O(1) per downlink (`track`).
        var pendingOrder = CircularBuffer<(token: UInt16, sentMillis: Int64)>()
        var nextToken: UInt16 = 1
        var limiter: MalformedLogLimiter
    }

    struct Route: Sendable {
        var address: SocketAddress
        var version: ProtocolVersion
    }

    let configuration: GatewayBridgeConfiguration
    let logger: Logger
    let metrics = BridgeMetrics()
    let isKnownGateway: @Sendable (EUI64) -> Bool
    let state: NIOLockedValueBox<State>

    init(configuration: GatewayBridgeConfiguration, logger: Logger, isKnownGateway: @escaping @Sendable (EUI64) -> Bool) {
        self.configuration = configuration
        self.logger = logger
        self.isKnownGateway = isKnownGateway
        self.state = NIOLockedValueBox(State(limiter: MalformedLogLimiter(intervalMillis: Int64(configuration.malformedLogIntervalSeconds) * 1000)))
    }

    /// Handles one received datagram.
    func handle(_ bytes: [UInt8], from socketAddress: SocketAddress, now: Int64) -> Outcome {
        // Formatting the address costs more than parsing a datagram: only done where it is used.
        var address: String { socketAddress.description }
        var outcome = Outcome()
        let datagram: Datagram
        do {
            datagram = try Datagram(bytes: bytes)
        } catch {
            // The EUI sits at bytes 4…11 in every gateway-to-server type; key the log limiter on it
            // when present so one broken gateway does not hide another.
            let key = bytes.count >= 12 && bytes[3] != 0x01 && bytes[3] != 0x03 && bytes[3] != 0x04
                ? EUI64(bigEndianBytes: bytes[4..<12]).description : address
            malformed(key: key, gateway: bytes.count >= 12 ? EUI64(bigEndianBytes: bytes[4..<12]) : nil, code: error.code,
                      detail: error.description, now: now)
            return outcome
        }
        metrics.datagrams[datagram.packetType]?.increment()

        switch datagram {
        case let .pushData(version, token, eui, payload):
            guard admit(eui, version: version, now: now, outcome: &outcome) else { return outcome }
            // Acknowledge first, process after (PROTOCOL.TXT §3.1).
            outcome.reply = Datagram.pushAck(version: version, token: token).encoded()
            if let stat = payload.stat { outcome.events.append(.status(applyStat(stat, eui: eui, now: now))) }
            let location = state.withLockedValue { $0.gateways[eui]?.location }
            for (i, rx) in (payload.rxpk ?? []).enumerated() {
                do {
                    for var frame in try rx.uplinkFrames(gatewayEUI: eui) {
                        guard frame.rxInfo.crcStatus == 1 else { metrics.refused["crc_bad"]?.increment(); continue }
                        if frame.rxInfo.location == nil { frame.rxInfo.location = location }
                        outcome.frames.append(frame)
                    }
                } catch {
                    malformed(key: eui.description, gateway: eui, code: error.code, detail: "rxpk[\(i)]: \(error)", now: now)
                }
            }
            if !outcome.frames.isEmpty {
                metrics.uplinkFrames.increment(by: outcome.frames.count)
                let n = UInt64(outcome.frames.count)
                state.withLockedValue { $0.gateways[eui]?.uplinkFrames &+= n }
            }
        case let .pullData(version, token, eui):
            guard admit(eui, version: version, now: now, outcome: &outcome) else { return outcome }
            outcome.reply = Datagram.pullAck(version: version, token: token).encoded()
            state.withLockedValue { s in
                s.routes[eui] = Route(address: socketAddress, version: version)
                s.gateways[eui]?.downlinkAddress = address
            }
        case let .txAck(version, token, eui, payload):
            guard admit(eui, version: version, now: now, outcome: &outcome) else { return outcome }
            let result = payload?.result ?? .ok
            let pending: PendingDownlink? = state.withLockedValue { s in
                let p = s.pending.removeValue(forKey: token)
                if case .rejected = result { s.gateways[eui]?.txAcksFailed &+= 1 } else { s.gateways[eui]?.txAcksOK &+= 1 }
                return p
            }
            if let pending, pending.gatewayEUI == eui {
                outcome.events.append(.txAck(downlinkID: pending.downlinkID, gatewayEUI: eui, result: result))
            } else {
                logger.debug("TX_ACK for an unknown token", metadata: ["gateway.eui": "\(eui)", "gw.token": "\(token)"])
            }
        case .pushAck, .pullAck, .pullResp:
            // Server-to-gateway types arriving at the server: someone is confused or probing.
            malformed(key: address, gateway: nil, code: "unexpected_type",
                      detail: "\(datagram.packetType.name) sent to the server", now: now)
        }
        return outcome
    }

    /// Checks the gateway against the registry policy and records that it was seen.
    private func admit(_ eui: EUI64, version: ProtocolVersion, now: Int64, outcome: inout Outcome) -> Bool {
        let known = state.withLockedValue { $0.gateways[eui] != nil }
        if !known {
            if isKnownGateway(eui) {
                // Registered in the registry: start tracking.
            } else if configuration.autoRegisterGateways {
                outcome.events.append(.gatewayRegistered(eui))
                logger.info("gateway auto-registered", metadata: ["gateway.eui": "\(eui)"])
            } else {
                metrics.refused["unknown_gateway"]?.increment()
                let shouldLog = state.withLockedValue { $0.limiter.record("unknown:\(eui)", now: now) }
                if let suppressed = shouldLog {
                    logger.notice("datagram from an unknown gateway refused", metadata: ["gateway.eui": "\(eui)", "gw.suppressed": "\(suppressed)"])
                }
                return false
            }
        }
        state.withLockedValue { s in
            if s.gateways[eui] == nil { s.gateways[eui] = GatewayStatus(gatewayEUI: eui, protocolVersion: version.rawValue, lastSeenMillis: now) }
            s.gateways[eui]?.lastSeenMillis = now
            s.gateways[eui]?.protocolVersion = version.rawValue
        }
        return true
    }

    private func applyStat(_ stat: GatewayStat, eui: EUI64, now: Int64) -> GatewayStatus {
        state.withLockedValue { s in
            var g = s.gateways[eui] ?? GatewayStatus(gatewayEUI: eui, protocolVersion: 2, lastSeenMillis: now)
            g.lastStatMillis = now
            if let l = stat.location { g.location = l }
            // The stat counters cover one reporting interval; keep running totals.
            g.rxReceived &+= UInt64(stat.rxnb ?? 0)
            g.rxOK &+= UInt64(stat.rxok ?? 0)
            g.rxForwarded &+= UInt64(stat.rxfw ?? 0)
            g.txEmitted &+= UInt64(stat.txnb ?? 0)
            g.downlinksReceived &+= UInt64(stat.dwnb ?? 0)
            if let a = stat.ackr, a.isFinite { g.ackRatio = a }
            if let t = stat.temp, t.isFinite { g.temperature = t }
            s.gateways[eui] = g
            return g
        }
    }

    private func malformed(key: String, gateway: EUI64?, code: String, detail: String, now: Int64) {
        metrics.malformed[code]?.increment()
        let shouldLog = state.withLockedValue { s -> Int? in
            if let gateway { s.gateways[gateway]?.malformedDatagrams &+= 1 }
            return s.limiter.record(key, now: now)
        }
        if let suppressed = shouldLog {
            logger.warning("malformed packet-forwarder traffic", metadata: [
                "gateway.source": "\(key)", "gw.error": "\(code)", "gw.detail": "\(detail.prefix(200))",
                "gw.suppressed_since_last": "\(suppressed)",
            ])
        }
    }

    /// Prepares a PULL_RESP for `frame`: returns the bytes and the address to send them to.
    func prepareDownlink(_ frame: DownlinkFrame, now: Int64) throws(GatewayBridgeError) -> (bytes: [UInt8], address: SocketAddress) {
        let result: (UInt16, Route)? = state.withLockedValue { s in
            guard let route = s.routes[frame.gatewayEUI] else { return nil }
            let token = s.nextToken
            s.nextToken = s.nextToken == .max ? 1 : s.nextToken + 1
            Self.track(token, PendingDownlink(downlinkID: frame.downlinkID, gatewayEUI: frame.gatewayEUI, sentMillis: now), in: &s)
            s.gateways[frame.gatewayEUI]?.downlinksSent &+= 1
            return (token, route)
        }
        guard let (token, route) = result else { throw .gatewayNotConnected(frame.gatewayEUI) }
        metrics.downlinks.increment()
        let bytes = Datagram.pullResp(version: route.version, token: token, payload: PullRespPayload(txpk: TxPacket(downlink: frame))).encoded()
        return (bytes, route.address)
    }

    /// How long a PULL_RESP's token waits for its TX_ACK.
    static let pendingMillis: Int64 = 60_000

    /// Remembers a downlink until its TX_ACK and forgets those older than `pendingMillis` from
    /// the head of the order buffer (before, once 4,096 were unacknowledged, every downlink
    /// filtered the whole table). Tokens are 16 bits, so at most 65,535 are ever live.
    static func track(_ token: UInt16, _ downlink: PendingDownlink, in s: inout State) {
        s.pending[token] = downlink
        s.pendingOrder.append((token: token, sentMillis: downlink.sentMillis))
        while let head = s.pendingOrder.first,
              downlink.sentMillis &- head.sentMillis >= pendingMillis || s.pendingOrder.count > Int(UInt16.max) {
            s.pendingOrder.removeFirst()
            // A TX_ACK may have removed the entry, or a wrapped token replaced it.
            if s.pending[head.token]?.sentMillis == head.sentMillis { s.pending[head.token] = nil }
        }
    }

    /// Downlinks waiting for their TX_ACK.
    var pendingCount: Int { state.withLockedValue { $0.pending.count } }

    func status(of eui: EUI64) -> GatewayStatus? { state.withLockedValue { $0.gateways[eui] } }
    func allStatuses() -> [GatewayStatus] { state.withLockedValue { Array($0.gateways.values) } }
}
