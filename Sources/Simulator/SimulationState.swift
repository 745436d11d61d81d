import LoRaWAN
import PacketForwarder
import RegionalParameters

/// The simulation's bookkeeping: devices, the receive windows each gateway expects downlinks in,
/// and the counters of the report. A plain struct (no I/O, no clock reads): the engine passes
/// times in, so the checks can be unit-tested with made-up datagrams.
struct SimulationState {
    /// One simulated end device and what it must remember between frames.
    struct Device {
        var device: SimulatedDevice
        var joined: Bool
        var joinAttemptsLeft: Int
        /// The join-request waiting for its accept (record id).
        var pendingJoin: Int?
        var gaveUp = false
        var rx1DelaySeconds = 1
        var rx1DROffset = 0
        var rx2: ChannelPlan.RXWindow
        var dataRate: Int
        var txPower = 0
        /// MAC answers to carry in the next uplink's FOpts.
        var pendingAnswers: [MACCommand] = []
        /// 1.1: RekeyInd is repeated until RekeyConf arrives (LoRaWAN 1.1 §5.10).
        var rekeyPending = false
        /// A confirmed downlink was received: the next uplink sets ACK.
        var ackNext = false
        /// Last data-downlink counter seen (1.0: FCntDown; 1.1: NFCntDown / AFCntDown).
        var lastFCntDown: UInt32?
        var lastAFCntDown: UInt32?
        /// The gateways that hear this device, best first.
        var gateways: [Int]
    }

    enum Kind { case join, data }

    /// One transmitted uplink that a downlink may answer.
    struct Record {
        var device: Int
        var kind: Kind
        var confirmed: Bool
        var fCnt: UInt32
        /// When its last PUSH_DATA copy was sent (nanoseconds on the engine's clock).
        var sentAt: Int64
        /// (gateway, tmst) of every copy; RX1 and RX2 keys are derived from these.
        var copies: [(gateway: Int, tmst: UInt32)]
        var rxDelaySeconds: Int
        var rx1: ChannelPlan.RXWindow?
        var rx2: ChannelPlan.RXWindow
        var answered = false
    }

    let plan: ChannelPlan
    var devices: [Device]
    var records: [Int: Record] = [:]
    var nextRecord = 0
    var oldestLive = 0
    /// Per gateway: concentrator timestamp of a receive window → records expecting a downlink then.
    var windows: [[UInt32: [Int]]]

    // Report counters.
    var joinRequests = 0
    var joins = 0
    var uplinksSent = 0
    var confirmedSent = 0
    var uplinksAcknowledged = 0
    var downlinks = 0
    var macReceived = 0
    var macAnswered = 0
    var pushDataSent = 0
    var pushAcks = 0
    var pullAcks = 0
    var txAcks = 0
    var confirmedUnacknowledged = 0
    var failures = SimulationReport.Failures(mic: 0, timing: 0, fCnt: 0, unexpectedAck: 0, malformed: 0, notViaBestGateway: 0)
    var latencies: [Double] = []
    var joinLatencies: [Double] = []

    init(plan: ChannelPlan, devices: [Device], gateways: Int) {
        self.plan = plan
        self.devices = devices
        self.windows = Array(repeating: [:], count: gateways)
    }

    // MARK: Uplinks

    /// Registers a transmitted uplink (its copies already have their timestamps) and returns its id.
    mutating func register(_ record: Record) -> Int {
        let id = nextRecord
        nextRecord += 1
        records[id] = record
        for copy in record.copies {
            for key in windowKeys(record, tmst: copy.tmst) { windows[copy.gateway][key, default: []].append(id) }
        }
        return id
    }

    func windowKeys(_ r: Record, tmst: UInt32) -> [UInt32] {
        let rx1 = tmst &+ UInt32(r.rxDelaySeconds) &* 1_000_000
        return [rx1, rx1 &+ 1_000_000]
    }

    mutating func forget(_ id: Int) {
        guard let r = records.removeValue(forKey: id) else { return }
        for copy in r.copies {
            for key in windowKeys(r, tmst: copy.tmst) {
                windows[copy.gateway][key]?.removeAll { $0 == id }
                if windows[copy.gateway][key]?.isEmpty == true { windows[copy.gateway][key] = nil }
            }
        }
    }

    /// Drops records sent before `cutoff` (their windows are closed); counts the confirmed ones
    /// without ACK. Returns the devices whose join-request went unanswered (the engine retries
    /// them while they have attempts left). Record ids grow with time, so this walks from the
    /// oldest live record and stops at the first younger one.
    mutating func expire(sentBefore cutoff: Int64) -> [Int] {
        var retry: [Int] = []
        while oldestLive < nextRecord {
            guard let r = records[oldestLive] else { oldestLive += 1; continue }
            guard r.sentAt < cutoff else { break }
            if !r.answered {
                switch r.kind {
                case .data: if r.confirmed { confirmedUnacknowledged += 1 }
                case .join:
                    if devices[r.device].pendingJoin == oldestLive {
                        devices[r.device].pendingJoin = nil
                        if devices[r.device].joinAttemptsLeft > 0 { retry.append(r.device) } else { devices[r.device].gaveUp = true }
                    }
                }
            }
            forget(oldestLive)
            oldestLive += 1
        }
        return retry
    }

    /// Records still waiting for a downlink that the protocol requires (joins, confirmed uplinks).
    var awaitingAnswers: Int {
        records.values.reduce(0) { $0 + (!$1.answered && ($1.kind == .join || $1.confirmed) ? 1 : 0) }
    }

    // MARK: Downlinks

    /// Checks one PULL_RESP received by gateway `gateway` at `now`; returns the TX_ACK to send back
    /// (nil when the datagram is not a PULL_RESP at all).
    mutating func receivePullResp(_ bytes: [UInt8], gateway: Int, gatewayEUI: EUI64, now: Int64, nowTmst: UInt32) -> [UInt8]? {
        guard let datagram = try? Datagram(bytes: bytes) else { failures.malformed += 1; return nil }
        switch datagram {
        case .pushAck: pushAcks += 1; return nil
        case .pullAck: pullAcks += 1; return nil
        case let .pullResp(version, token, payload):
            let ack = Datagram.txAck(version: version, token: token, gatewayEUI: gatewayEUI,
                                     payload: TxAckPayload(txpk_ack: .init(error: "NONE"))).encoded()
            txAcks += 1
            guard let frame = try? DownlinkFrame(txPacket: payload.txpk, gatewayEUI: gatewayEUI, downlinkID: UInt32(token)),
                  let phy = try? PHYPayload(bytes: frame.phyPayload) else {
                failures.malformed += 1
                return ack
            }
            check(frame, phy: phy, gateway: gateway, now: now, nowTmst: nowTmst)
            return ack
        default:
            failures.malformed += 1
            return nil
        }
    }

    mutating func check(_ frame: DownlinkFrame, phy: PHYPayload, gateway: Int, now: Int64, nowTmst: UInt32) {
        guard case let .concentratorTimestamp(tmst) = frame.timing, gateway < windows.count else {
            failures.timing += 1  // class A devices only: every downlink must sit in a window
            return
        }
        let candidates = windows[gateway][tmst] ?? []
        let isJoin = phy.mhdr.mType == .joinAccept
        let devAddr = phy.macPayload?.fhdr.devAddr
        let match = candidates.first { id in
            guard let r = records[id] else { return false }
            return isJoin ? r.kind == .join : (r.kind == .data && devices[r.device].device.devAddr == devAddr)
        }
        guard let id = match, let record = records[id] else {
            failures.timing += 1
            return
        }
        // Which window: RX1 (same delay as registered) or RX2 (+1 s), and its frequency.
        let copy = record.copies.first { $0.gateway == gateway }
        let rx1Key = (copy?.tmst ?? 0) &+ UInt32(record.rxDelaySeconds) &* 1_000_000
        let window = tmst == rx1Key ? record.rx1 : record.rx2
        // Wrong frequency for the window, or arrived when the window had already opened (the
        // gateway would answer TOO_LATE): the device does not hear it, so it is not opened (and
        // the uplink stays unanswered).
        if let window, Int(frame.frequency) != window.frequency {
            failures.timing += 1
            return
        }
        if Int32(bitPattern: tmst &- nowTmst) <= 0 {
            failures.timing += 1
            return
        }
        if record.copies.first?.gateway != gateway { failures.notViaBestGateway += 1 }
        let latency = Double(now - record.sentAt) / 1e6
        let d = record.device
        downlinks += 1
        if isJoin {
            do {
                let accept = try devices[d].device.acceptJoin(frame.phyPayload)
                devices[d].joined = true
                devices[d].pendingJoin = nil
                devices[d].rx1DelaySeconds = accept.rx1DelaySeconds
                devices[d].rx1DROffset = Int(accept.dlSettings.rx1DROffset)
                devices[d].rx2 = ChannelPlan.RXWindow(frequency: devices[d].rx2.frequency, dataRate: Int(accept.dlSettings.rx2DataRate))
                devices[d].lastFCntDown = nil
                devices[d].lastAFCntDown = nil
                devices[d].pendingAnswers = []
                devices[d].ackNext = false
                devices[d].rekeyPending = devices[d].device.version == .lorawan1_1
                joins += 1
                joinLatencies.append(latency)
            } catch {
                failures.mic += 1
            }
        } else {
            guard let down = try? devices[d].device.openDownlink(frame.phyPayload, ackedUplinkFCnt: record.confirmed ? record.fCnt : nil) else {
                failures.mic += 1
                records[id]?.answered = true
                return
            }
            checkCounter(down, device: d)
            if down.ack {
                if record.confirmed && !record.answered { uplinksAcknowledged += 1 } else { failures.unexpectedAck += 1 }
            }
            if down.mType == .confirmedDataDown { devices[d].ackNext = true }
            apply(down.macCommands, device: d)
            latencies.append(latency)
        }
        records[id]?.answered = true
        forget(id)
    }

    /// Downlink counters must increase (1.1: FPort 0 uses NFCntDown, application data AFCntDown).
    mutating func checkCounter(_ down: SimulatedDevice.Downlink, device d: Int) {
        let fCnt = UInt32(down.fCnt)
        let application = devices[d].device.version == .lorawan1_1 && (down.fPort ?? 0) != 0
        let last = application ? devices[d].lastAFCntDown : devices[d].lastFCntDown
        if let last, fCnt <= last { failures.fCnt += 1 }
        if application { devices[d].lastAFCntDown = fCnt } else { devices[d].lastFCntDown = fCnt }
    }

    /// What a device does with the network's MAC commands: accepts them and queues the answers.
    mutating func apply(_ commands: [MACCommand], device d: Int) {
        macReceived += commands.count
        for command in commands {
            switch command {
            case let .linkADRReq(req):
                if let ans = try? MACCommand.LinkADRAns(powerACK: true, dataRateACK: true, channelMaskACK: true) {
                    devices[d].pendingAnswers.append(.linkADRAns(ans))
                }
                if req.dataRate != 0x0F, plan.dataRate(Int(req.dataRate))?.uplink == true { devices[d].dataRate = Int(req.dataRate) }
                if req.txPower != 0x0F { devices[d].txPower = Int(req.txPower) }
            case .devStatusReq:
                if let ans = try? MACCommand.DevStatusAns(battery: 254, marginDB: 10) { devices[d].pendingAnswers.append(.devStatusAns(ans)) }
            case let .rxTimingSetupReq(req):
                devices[d].rx1DelaySeconds = max(1, Int(req.del & 0x0F))
                devices[d].pendingAnswers.append(.rxTimingSetupAns)
            case let .rxParamSetupReq(req):
                devices[d].rx1DROffset = Int(req.rx1DROffset)
                devices[d].rx2 = ChannelPlan.RXWindow(frequency: Int(req.frequencyHz), dataRate: Int(req.rx2DataRate))
                if let ans = try? MACCommand.RXParamSetupAns(rx1DROffsetACK: true, rx2DataRateACK: true, channelACK: true) {
                    devices[d].pendingAnswers.append(.rxParamSetupAns(ans))
                }
            case .newChannelReq:
                if let ans = try? MACCommand.NewChannelAns(dataRateRangeOK: true, channelFrequencyOK: true) { devices[d].pendingAnswers.append(.newChannelAns(ans)) }
            case .dlChannelReq:
                if let ans = try? MACCommand.DlChannelAns(uplinkFrequencyExists: true, channelFrequencyOK: true) { devices[d].pendingAnswers.append(.dlChannelAns(ans)) }
            case .dutyCycleReq: devices[d].pendingAnswers.append(.dutyCycleAns)
            case .txParamSetupReq: devices[d].pendingAnswers.append(.txParamSetupAns)
            case .adrParamSetupReq: devices[d].pendingAnswers.append(.adrParamSetupAns)
            case .rekeyConf: devices[d].rekeyPending = false
            default: break  // answers to our requests (LinkCheckAns, DeviceTimeAns) need no reply
            }
        }
    }

    /// The FOpts of the device's next uplink: pending answers (up to 15 bytes; the rest waits).
    mutating func takeFOpts(device d: Int) -> [UInt8] {
        var out: [UInt8] = []
        var carried = 0
        var commands = devices[d].pendingAnswers
        if devices[d].rekeyPending, let ind = try? MACCommand.RekeyInd(minor: 1) { commands.insert(.rekeyInd(ind), at: 0) }
        for command in commands {
            var bytes: [UInt8] = []
            command.encode(into: &bytes)
            guard out.count + bytes.count <= 15 else { break }
            out += bytes
            carried += 1
        }
        let answered = carried - (devices[d].rekeyPending ? 1 : 0)
        if answered > 0 {
            devices[d].pendingAnswers.removeFirst(min(answered, devices[d].pendingAnswers.count))
            macAnswered += answered
        }
        return out
    }
}
