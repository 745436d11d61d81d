import Foundation
public import LoRaWAN
public import Registry
import RegionalParameters

extension NetworkServer {
    /// Stage 6: answer in RX1/RX2 when there is something to say: an ACK for a confirmed uplink,
    /// MAC answers or requests, or queued application data (FPending set when more is queued).
    func scheduleDownlink(_ ctx: inout UplinkContext) async -> DownlinkFrame? {
        guard var session = ctx.session, let device = ctx.device, let profile = ctx.profile, let plan = plan(for: profile) else { return nil }
        let before = session
        var info: DeviceInfo
        if let cached = ctx.info { info = cached } else { info = await deviceInfo(device, profile) }
        let now = nowMillis()

        // Queue: drop expired items (reported), take the first.
        var queue = (try? await sessions.queue(devEUI: device.devEUI)) ?? []
        while let first = queue.first, let expiry = first.expiresAtMillis, expiry < now {
            try? await sessions.removeQueueItem(id: first.id)
            logEvent("WARNING", "DOWNLINK_EXPIRED", "queue item \(first.id) expired before it could be sent", device: info)
            queue.removeFirst()
        }
        // Pending MAC requests not answered after too many tries are abandoned.
        let pendingBefore = session.pendingMACCommands.count
        session.pendingMACCommands.removeAll { cmd in
            if cmd.attempts >= configuration.macCommandMaxAttempts {
                logEvent("WARNING", "MAC_COMMAND", "MAC command 0x\(String(cmd.cid, radix: 16)) unanswered after \(cmd.attempts) downlinks; giving up", device: info)
                return true
            }
            return false
        }
        let macBytes = MACCommand.encodeAll(ctx.macAnswers) + session.pendingMACCommands.flatMap(\.bytes)
        let needsAck = ctx.confirmed
        let adrAckReq = ctx.macPayload.fhdr.fCtrl.adrAckReq
        guard needsAck || !macBytes.isEmpty || !queue.isEmpty || adrAckReq else {
            if session.pendingMACCommands.count != pendingBefore { saveSessionLater(session) }
            ctx.session = session
            return nil
        }

        let windows = DownlinkPlanner.classAWindows(plan: plan, uplinkFrequency: Int(ctx.best.txInfo.frequency), uplinkDataRate: ctx.dataRate,
                                                    rx1DROffset: session.rx1DROffset, delay1Seconds: session.rx1Delay,
                                                    rx2Frequency: Int(session.rx2Frequency), rx2DataRate: session.rx2DataRate)
        let limit = DownlinkPlanner.maxPayload(plan: plan, dataRate: windows.rx1?.dataRate ?? windows.rx2.dataRate) ?? 11

        // Choose what goes in: the first queue item if it fits with the MAC commands.
        var item: DownlinkQueueItem?
        if let first = queue.first {
            if first.data.count > limit {
                try? await sessions.removeQueueItem(id: first.id)
                logEvent("ERROR", "DOWNLINK_PAYLOAD_SIZE", "queue item \(first.id) of \(first.data.count) bytes exceeds \(limit) at DR\(windows.rx1?.dataRate ?? windows.rx2.dataRate)",
                         device: info, context: ["queue_item_id": String(first.id)])
                queue.removeFirst()
            } else if macBytes.isEmpty || (session.macVersion == .lorawan1_0 && macBytes.count <= 15 && first.data.count + macBytes.count <= limit) {
                item = first
            }
        }
        let fPending = queue.count > (item == nil ? 0 : 1)
        let usesAppCounter = session.macVersion == .lorawan1_1 && item != nil
        let fCnt = usesAppCounter ? session.aFCntDown : session.nFCntDown
        let fhdr = FHDR(devAddr: session.devAddr,
                        fCtrl: FCtrl(direction: .downlink, adr: profile.adrEnabled, ack: needsAck, fPending: fPending),
                        fCnt: UInt16(truncatingIfNeeded: fCnt), fOpts: item != nil ? macBytes : [])
        let mac: MACPayload
        if let item {
            mac = MACPayload(fhdr: fhdr, fPort: item.fPort, frmPayload: item.data)
        } else if !macBytes.isEmpty {
            mac = MACPayload(fhdr: fhdr, fPort: 0, frmPayload: Array(macBytes.prefix(limit)))
        } else {
            mac = MACPayload(fhdr: fhdr)
        }
        let phy = PHYPayload(mhdr: MHDR(mType: item?.confirmed == true ? .confirmedDataDown : .unconfirmedDataDown), payload: .data(mac), mic: nil)
        guard let bytes = sealDataDownlink(phy, session: session, fCnt: fCnt, confFCnt: needsAck ? ctx.fCnt : 0) else {
            logEvent("ERROR", "DOWNLINK_FRAME", "downlink could not be built", device: info)
            ctx.session = session
            return nil
        }

        // Commit the counters and bookkeeping before sending: a lost downlink must never reuse a counter.
        if usesAppCounter { session.aFCntDown &+= 1 } else { session.nFCntDown &+= 1 }
        for i in session.pendingMACCommands.indices { session.pendingMACCommands[i].attempts += 1 }
        if let item {
            if item.confirmed {
                let attempts = (session.pendingConfirmedDownlink?.queueItemID == item.id ? session.pendingConfirmedDownlink?.attempts ?? 0 : 0) + 1
                session.pendingConfirmedDownlink = PendingConfirmedDownlink(queueItemID: item.id, fCnt: fCnt, attempts: attempts)
            } else {
                try? await sessions.removeQueueItem(id: item.id)
            }
        }
        ctx.session = session
        // A frame whose counter a committed write already stored ahead (`CounterReservation`)
        // goes to the gateway now: a restart can never reuse it. Otherwise it waits for the next
        // commit (`WriteBehind.transmits`, committed beside the uplink processor). The session is
        // written whole only when more than its downlink counters changed, or when the counters
        // in use come within half a reservation of what is stored ahead, which renews it in
        // the background: a bare ACK mostly needs neither a JSON write nor a wait.
        let onlyCounters = Self.onlyDownlinkCountersChanged(before, session)
        if reserveDownlinkCounters(session) || !onlyCounters {
            saveSessionLater(session)
        } else {
            cache.put(session)
        }
        let sendNow = onlyCounters && counterReservations[device.devEUI]?.allowsSending(fCnt: fCnt, appCounter: usesAppCounter) == true
        return await sendClassA(bytes: bytes, windows: windows, plan: plan, uplink: ctx.best, devEUI: device.devEUI,
                                fCnt: fCnt, queueItemID: item?.id, info: info, immediately: sendNow)
    }

    /// Makes sure the stored session will cover the counters `session` uses, with room to
    /// spare: returns true when a new reservation was made (the session must be written whole
    /// for it to count). Stored sessions carry `nFCntDown`/`aFCntDown` up to
    /// `downlinkCounterReservation` ahead of the counters in use (see `commitPending`), so a
    /// restart continues above every counter ever sent, skipping at most that many: a device
    /// accepts any downlink counter above its last one (LoRaWAN 1.0.4 §4.3.1.5, 1.1 §4.3.1.5).
    /// A reservation is renewed when less than half of it is left, so the counters in use stay
    /// inside the stored part while the renewal commits.
    @discardableResult
    func reserveDownlinkCounters(_ session: DeviceSession) -> Bool {
        let ahead = UInt32(clamping: max(0, configuration.downlinkCounterReservation))
        let margin = ahead / 2
        let current = counterReservations[session.devEUI].flatMap { $0.covers(session) ? $0 : nil }
        if let r = current, session.nFCntDown &+ margin <= r.nFCntDown, session.aFCntDown &+ margin <= r.aFCntDown { return false }
        var renewed = CounterReservation(activatedAtMillis: session.activatedAtMillis, devAddr: session.devAddr,
                                         nFCntDown: session.nFCntDown &+ ahead, aFCntDown: session.aFCntDown &+ ahead)
        if let r = current {
            renewed.storedNFCntDown = r.storedNFCntDown
            renewed.storedAFCntDown = r.storedAFCntDown
        }
        counterReservations[session.devEUI] = renewed
        return true
    }

    /// Whether `new` differs from `old` only in its downlink counters.
    static func onlyDownlinkCountersChanged(_ old: DeviceSession, _ new: DeviceSession) -> Bool {
        var n = new
        n.nFCntDown = old.nFCntDown
        n.aFCntDown = old.aFCntDown
        return n == old
    }

    /// The bytes of a data downlink with its FRMPayload encrypted (FPort 0: NwkSEncKey, else
    /// AppSKey) and its MIC set (`PHYPayload.dataMIC`'s formulas), using the session's keyed
    /// contexts; nil when the frame does not serialise or no context can be built.
    func sealDataDownlink(_ phy: PHYPayload, session: DeviceSession, fCnt: UInt32, confFCnt: UInt32) -> [UInt8]? {
        guard let crypto = sessionCrypto(session) else { return nil }
        var unsealed = phy
        unsealed.mic = MIC(0)
        guard var bytes = try? unsealed.serialized() else { return nil }
        let sealed = bytes.withUnsafeMutableBytes { b -> Bool in
            guard let layout = try? DataFrameLayout(UnsafeRawBufferPointer(b)) else { return false }
            let n = layout.frmPayloadLength
            if n > 0 {
                withUnsafeTemporaryAllocation(byteCount: n, alignment: 16) { plain in
                    _ = crypto.decryptFRMPayload(UnsafeRawBufferPointer(b), layout: layout, fCnt: fCnt, into: plain)
                    UnsafeMutableRawBufferPointer(rebasing: b[layout.frmPayloadOffset..<layout.micOffset]).copyMemory(from: UnsafeRawBufferPointer(plain))
                }
            }
            let mic = crypto.computeMIC(UnsafeRawBufferPointer(b), layout: layout, fCnt: fCnt, confFCnt: confFCnt)
            for i in 0..<4 { b[layout.micOffset + i] = UInt8(truncatingIfNeeded: mic >> (24 - 8 * UInt32(i))) }
            return true
        }
        return sealed ? bytes : nil
    }

    /// Sends `bytes` in RX1 (or RX2 when RX1 is impossible) once the pending batch is committed,
    /// keeping the RX2 alternative for a TX_ACK error. Returns the frame handed to the gateway.
    func sendClassA(bytes: [UInt8], windows: (rx1: DownlinkPlanner.Window?, rx2: DownlinkPlanner.Window), plan: ChannelPlan,
                    uplink: UplinkFrame, devEUI: EUI64, fCnt: UInt32, queueItemID: Int64?, info: DeviceInfo,
                    immediately: Bool = false) async -> DownlinkFrame? {
        func frame(_ w: DownlinkPlanner.Window) -> DownlinkFrame? {
            guard let modulation = try? plan.modulation(forDataRate: w.dataRate) else { return nil }
            if let n = DownlinkPlanner.maxPayload(plan: plan, dataRate: w.dataRate), bytes.count > n + 13 { return nil }
            return DownlinkFrame(downlinkID: 0, gatewayEUI: uplink.rxInfo.gatewayEUI, phyPayload: bytes,
                                 frequency: UInt32(clamping: w.frequency), power: configuration.downlinkTXPower ?? Int(plan.maxEIRP),
                                 modulation: modulation, timing: .concentratorTimestamp(uplink.rxInfo.concentratorTimestamp &+ w.delayMicros),
                                 invertPolarity: true, board: uplink.rxInfo.board, antenna: uplink.rxInfo.antenna)
        }
        let rx2 = frame(windows.rx2)
        guard var first = windows.rx1.flatMap(frame) ?? rx2 else {
            logEvent("ERROR", "DOWNLINK_PAYLOAD_SIZE", "downlink of \(bytes.count) bytes fits neither RX1 nor RX2", device: info)
            return nil
        }
        first.downlinkID = allocateDownlinkID()
        let alternative = first.frequency == rx2?.frequency && first.timing == rx2?.timing ? nil : rx2
        trackInFlight(first.downlinkID, InFlightDownlink(devEUI: devEUI, fCnt: fCnt, queueItemID: queueItemID, rx2: alternative,
                                                         sentAtMillis: nowMillis()))
        metrics.downlinks.increment()
        if immediately {
            metrics.downlinksBeforeCommit.increment()
            do { try await transmit(first) } catch {
                logEvent("ERROR", "DOWNLINK_GATEWAY", "downlink not sent: \(error)", device: info,
                         context: ["gateway_id": first.gatewayEUI.description])
            }
        } else {
            pending.transmits.append(PendingTransmit(frame: first, info: info))
        }
        return first
    }

    /// Enqueues an application downlink. For a class C device with a session it is sent at once
    /// (RX2 parameters, `imme`); class A devices get it after their next uplink.
    /// - Returns: the queue item id.
    /// - Throws: `NetworkServerError.invalidFPort`, `.deviceNotFound`, storage errors.
    @discardableResult
    public func enqueueDownlink(devEUI: EUI64, fPort: UInt8, data: [UInt8], confirmed: Bool = false,
                                expiresAtMillis: Int64? = nil) async throws -> Int64 {
        guard (1...223).contains(fPort) else { throw NetworkServerError.invalidFPort(fPort) }
        guard let device = try await registry.device(devEUI: devEUI) else { throw NetworkServerError.deviceNotFound(devEUI) }
        let id = try await sessions.enqueue(DownlinkQueueItem(devEUI: devEUI, fPort: fPort, data: data, confirmed: confirmed,
                                                              createdAtMillis: nowMillis(), expiresAtMillis: expiresAtMillis))
        if let profile = try await registry.deviceProfile(id: device.deviceProfileID), profile.supportsClassC {
            await sendClassC(device: device, profile: profile)
        }
        return id
    }

    /// Sends the head of a class C device's queue immediately on RX2 through its last gateway.
    func sendClassC(device: Device, profile: DeviceProfile) async {
        guard var session = try? await loadSession(devEUI: device.devEUI), let plan = plan(for: profile),
              let gateway = lastGateway[device.devEUI] else { return }
        guard session.pendingConfirmedDownlink == nil else { return }  // wait for the ACK first
        let queue = (try? await sessions.queue(devEUI: device.devEUI)) ?? []
        guard let item = queue.first else { return }
        let info = await deviceInfo(device, profile)
        guard let limit = DownlinkPlanner.maxPayload(plan: plan, dataRate: session.rx2DataRate), item.data.count <= limit else {
            try? await sessions.removeQueueItem(id: item.id)
            logEvent("ERROR", "DOWNLINK_PAYLOAD_SIZE", "queue item \(item.id) of \(item.data.count) bytes exceeds the RX2 limit", device: info)
            return
        }
        let fCnt = session.macVersion == .lorawan1_1 ? session.aFCntDown : session.nFCntDown
        let fhdr = FHDR(devAddr: session.devAddr, fCtrl: FCtrl(direction: .downlink, adr: profile.adrEnabled, fPending: queue.count > 1),
                        fCnt: UInt16(truncatingIfNeeded: fCnt))
        var phy = PHYPayload(mhdr: MHDR(mType: item.confirmed ? .confirmedDataDown : .unconfirmedDataDown),
                             payload: .data(MACPayload(fhdr: fhdr, fPort: item.fPort, frmPayload: item.data)), mic: nil)
        guard let modulation = try? plan.modulation(forDataRate: session.rx2DataRate) else { return }
        do {
            if !item.data.isEmpty { phy = try phy.cryptingFRMPayload(key: session.keys.appSKey, fCnt: fCnt) }
            phy.mic = try phy.dataMIC(version: session.macVersion, keys: session.keys, fCnt: fCnt)
        } catch { return }
        guard let bytes = try? phy.serialized() else { return }
        if session.macVersion == .lorawan1_1 { session.aFCntDown &+= 1 } else { session.nFCntDown &+= 1 }
        if item.confirmed {
            session.pendingConfirmedDownlink = PendingConfirmedDownlink(queueItemID: item.id, fCnt: fCnt)
        } else {
            try? await sessions.removeQueueItem(id: item.id)
        }
        try? await saveSession(session)
        let frame = DownlinkFrame(downlinkID: allocateDownlinkID(), gatewayEUI: gateway, phyPayload: bytes,
                                  frequency: session.rx2Frequency, power: configuration.downlinkTXPower ?? Int(plan.maxEIRP),
                                  modulation: modulation, timing: .immediately)
        trackInFlight(frame.downlinkID, InFlightDownlink(devEUI: device.devEUI, fCnt: fCnt, queueItemID: item.id, rx2: nil, sentAtMillis: nowMillis()))
        metrics.downlinks.increment()
        do { try await transmit(frame) } catch {
            logEvent("ERROR", "DOWNLINK_GATEWAY", "class C downlink not sent: \(error)", device: info)
        }
    }

    /// Activates every registered ABP device that has no session yet (at start: devices added by
    /// the CLI or the HTTP API otherwise never got one). Returns how many were activated.
    @discardableResult
    func activateRegisteredABPDevices() async -> Int {
        guard let devices = try? await registry.devices(applicationID: nil) else { return 0 }
        var n = 0
        for device in devices where device.abp != nil && !device.disabled {
            if (try? await loadSession(devEUI: device.devEUI)) ?? nil != nil { continue }
            do { try await activateABP(devEUI: device.devEUI); n += 1 } catch {
                logger.warning("ABP device not activated", metadata: ["ns.dev_eui": "\(device.devEUI)", "ns.error": "\(error)"])
            }
        }
        return n
    }

    /// Activates an ABP device: creates its session from the registered ABP settings (idempotent:
    /// an existing session keeps its counters).
    public func activateABP(devEUI: EUI64) async throws {
        guard let device = try await registry.device(devEUI: devEUI), let abp = device.abp else { throw NetworkServerError.deviceNotFound(devEUI) }
        if try await loadSession(devEUI: devEUI) != nil { return }
        guard let profile = try await registry.deviceProfile(id: device.deviceProfileID), let plan = plan(for: profile) else {
            throw NetworkServerError.unknownRegion(devEUI.description)
        }
        let version = (try? MACVersion(parsing: profile.macVersion)) ?? .lorawan1_0
        let session = DeviceSession(devEUI: devEUI, devAddr: abp.devAddr, macVersion: version, keys: abp.keys, rx1Delay: profile.rx1Delay,
                                    rx1DROffset: profile.rx1DROffset, rx2DataRate: profile.rx2DataRate ?? plan.rx2.dataRate,
                                    rx2Frequency: UInt32(clamping: profile.rx2Frequency.map(Int.init) ?? plan.rx2.frequency),
                                    enabledChannels: Array(plan.uplinkChannels.indices), activatedAtMillis: nowMillis())
        try await saveSession(session)
    }
}
