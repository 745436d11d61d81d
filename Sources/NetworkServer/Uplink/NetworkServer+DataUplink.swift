import Foundation
import LoRaWAN
import Registry
import RegionalParameters

extension NetworkServer {
    /// The data-uplink stages, in order. Each returns nil to continue or a drop to stop; nothing
    /// is persisted before every check has passed, so a refused frame changes no state.
    func runDataPipeline(_ ctx: inout UplinkContext) async -> UplinkOutcome {
        if let d = await resolveSession(&ctx) { return d }
        if let d = decryptPayload(&ctx) { return d }
        handleMACCommands(&ctx)
        runADR(&ctx)
        await persist(&ctx)
        let downlink = await scheduleDownlink(&ctx)
        return .accepted(downlink: downlink)
    }

    /// Stage 1: find the session by DevAddr; several devices may share one, so each candidate's
    /// FCnt is reconstructed and its MIC checked: the one that verifies is the device. A frame
    /// whose counter is not above the last accepted one is a replay.
    func resolveSession(_ ctx: inout UplinkContext) async -> UplinkOutcome? {
        let fhdr = ctx.macPayload.fhdr
        guard let candidates = try? await candidateSessions(devAddr: fhdr.devAddr), !candidates.isEmpty else {
            return drop(.unknownDevAddr)
        }
        var replayed: DeviceSession?
        // The frame's field offsets, found once on its bytes (the same strict checks as the
        // PHYPayload parser, differential-tested in LoRaWANTests), for the keyed MIC below.
        let layout = ctx.best.phyPayload.withUnsafeBytes { try? DataFrameLayout($0) }
        for session in candidates {
            let next = session.fCntUp.map { $0 &+ 1 } ?? 0
            // A counter at or below the last one is tried too, to tell a replay from a stranger.
            let replayCandidate = session.fCntUp.map { ($0 & 0xFFFF_0000) | UInt32(fhdr.fCnt) }
            let fCnt = FrameCounter.reconstruct(received: fhdr.fCnt, next: next)
            let frequency = Int(ctx.best.txInfo.frequency)
            for (candidate, isReplay) in [(fCnt, false), (replayCandidate, true)] {
                guard let candidate else { continue }
                if isReplay, let last = session.fCntUp, candidate > last { continue }
                // 1.1 uplink MIC covers TxDr and TxCh.
                var txDR: UInt8 = 0, txCh: UInt8 = 0
                if session.macVersion == .lorawan1_1, let profile = await deviceContext(session.devEUI)?.profile,
                   let plan = plan(for: profile) {
                    txDR = UInt8(clamping: (try? plan.dataRateIndex(for: ctx.best.txInfo.modulation, direction: .uplink)) ?? 0)
                    txCh = UInt8(clamping: plan.uplinkChannelIndex(frequency: frequency) ?? 0)
                }
                let confFCnt = session.pendingConfirmedDownlink?.fCnt ?? 0
                guard verifyMIC(ctx, layout: layout, session: session, fCnt: candidate, confFCnt: confFCnt, txDR: txDR, txCh: txCh) else { continue }
                if isReplay { replayed = session; continue }
                ctx.session = session
                ctx.fCnt = candidate
                break
            }
            if ctx.session != nil { break }
        }
        guard let session = ctx.session else {
            if let replayed, let known = await deviceContext(replayed.devEUI) {
                logEvent("ERROR", "UPLINK_F_CNT_RETRANSMISSION", "frame counter \(fhdr.fCnt) replayed (last \(replayed.fCntUp ?? 0))",
                         device: known.info, context: ["f_cnt": "\(fhdr.fCnt)"])
                return drop(.fCntReplay)
            }
            // With one session on the DevAddr the event names its device, so the application
            // sees the refused frame (event/log); with a collision nobody can tell whose it was.
            let owner = candidates.count == 1 ? await deviceContext(candidates[0].devEUI)?.info : nil
            logEvent("ERROR", "UPLINK_MIC", "no session for DevAddr \(fhdr.devAddr) verifies the MIC", device: owner,
                     context: ["dev_addr": fhdr.devAddr.description])
            return drop(.micMismatch)
        }
        guard let (device, profile, info) = await deviceContext(session.devEUI) else { return drop(.unknownDevice) }
        guard !device.disabled else { return drop(.deviceDisabled) }
        guard let plan = plan(for: profile) else { return drop(.unknownRegion) }
        ctx.device = device
        ctx.profile = profile
        ctx.info = info
        ctx.dataRate = (try? plan.dataRateIndex(for: ctx.best.txInfo.modulation, direction: .uplink)) ?? session.dataRate
        return nil
    }

    /// Stage 2: decrypt FRMPayload (AppSKey for FPort > 0; NwkSKey/NwkSEncKey for FPort 0) and
    /// FOpts (1.1), and parse MAC commands.
    func decryptPayload(_ ctx: inout UplinkContext) -> UplinkOutcome? {
        guard let session = ctx.session else { return drop(.unknownDevAddr) }
        var phy = ctx.phy
        do {
            if session.macVersion == .lorawan1_1, !ctx.macPayload.fhdr.fOpts.isEmpty {
                phy = try phy.cryptingFOpts(nwkSEncKey: session.keys.nwkSEncKey, fCnt: ctx.fCnt)
            }
        } catch {
            return drop(.unparsable)
        }
        guard var mac = phy.macPayload else { return drop(.unparsable) }
        if let port = mac.fPort, !mac.frmPayload.isEmpty {
            // The session's keyed AES context (no OpenSSL context built per frame); FRMPayload
            // sits at the same offsets whether or not FOpts were decrypted above.
            if let crypto = sessionCrypto(session), let plain = decryptFRMPayload(ctx.best.phyPayload, crypto: crypto, fCnt: ctx.fCnt) {
                mac.frmPayload = plain
            } else {
                do {
                    let key = port == 0 ? session.keys.nwkSEncKey : session.keys.appSKey
                    guard let m = try phy.cryptingFRMPayload(key: key, fCnt: ctx.fCnt).macPayload else { return drop(.unparsable) }
                    mac = m
                } catch {
                    return drop(.unparsable)
                }
            }
        }
        ctx.macPayload = mac
        var macBytes = mac.fhdr.fOpts
        if mac.fPort == 0 { macBytes = mac.frmPayload } else { ctx.payload = mac.frmPayload }
        // Malformed MAC commands are ignored (the data still counts); the device is not punished.
        ctx.macCommands = (try? MACCommand.parseAll(macBytes, direction: .uplink)) ?? []
        return nil
    }

    /// Stage 4: ADR. When the device asks for it (ADR bit) and the profile allows it, decide from
    /// the last 20 uplinks' best SNR and queue a LinkADRReq when the data rate or power changes.
    func runADR(_ ctx: inout UplinkContext) {
        guard var session = ctx.session, let profile = ctx.profile, profile.adrEnabled, ctx.macPayload.fhdr.fCtrl.adr,
              let plan = plan(for: profile) else { return }
        guard !session.pendingMACCommands.contains(where: { $0.cid == 0x03 }) else { return }
        guard case let .lora(sf, _, _) = ctx.best.txInfo.modulation else { return }
        let maxDR = plan.dataRates.filter { dr in
            // ADR moves within the 125 kHz LoRa rates every channel supports (EU868 DR0–5,
            // US915 DR0–3), as ChirpStack's default max DR does.
            if case let .lora(_, bw, _) = dr.modulation { return dr.uplink && bw == 125_000 } else { return false }
        }.map(\.index).max() ?? session.dataRate
        // The decision includes this uplink.
        let snrs = session.uplinkHistory.map(\.maxSNR) + [ctx.frames.map(\.rxInfo.snr).max() ?? 0]
        guard let decision = adr.decide(snrs: snrs, dataRate: ctx.dataRate, spreadingFactor: sf, txPowerIndex: session.txPowerIndex,
                                        maxDataRate: maxDR, maxTXPowerIndex: max(0, plan.txPowerOffsets.count - 1)) else { return }
        guard decision.dataRate != ctx.dataRate || decision.txPowerIndex != session.txPowerIndex else { return }
        let blocks: [ChannelMaskBlock]
        if plan.channelMaskScheme == .dynamic16 {
            // Dynamic plans: channels added by the CFList are not in the plan file, so the mask is
            // built here (ChMaskCntl 0, bit i = channel i).
            let mask = session.enabledChannels.filter { (0..<16).contains($0) }.reduce(UInt16(0)) { $0 | UInt16(1) << UInt16($1) }
            guard mask != 0 else { return }
            blocks = [ChannelMaskBlock(chMask: mask, chMaskCntl: 0)]
        } else {
            guard let b = try? plan.channelMaskBlocks(enabledChannels: Set(session.enabledChannels)), !b.isEmpty else { return }
            blocks = b
        }
        var commands: [MACCommand] = []
        for (i, block) in blocks.enumerated() {
            // Only the last block of a series carries the data rate and power that apply.
            let last = i == blocks.count - 1
            guard let req = try? MACCommand.LinkADRReq(dataRate: UInt8(clamping: last ? decision.dataRate : ctx.dataRate),
                                                      txPower: UInt8(clamping: last ? decision.txPowerIndex : session.txPowerIndex),
                                                      chMask: block.chMask, chMaskCntl: block.chMaskCntl,
                                                      nbTrans: UInt8(clamping: decision.nbTrans)) else { return }
            commands.append(.linkADRReq(req))
        }
        let bytes = MACCommand.encodeAll(commands)
        session.pendingMACCommands.append(PendingMACCommand(cid: 0x03, bytes: bytes))
        session.adrTarget = ADRTarget(dataRate: decision.dataRate, txPowerIndex: decision.txPowerIndex, nbTrans: decision.nbTrans)
        ctx.session = session
    }

    /// Stage 5: persist the session (counter, history) and the uplink record, emit `up`/`ack`.
    func persist(_ ctx: inout UplinkContext) async {
        guard var session = ctx.session, let device = ctx.device, let profile = ctx.profile else { return }
        session.fCntUp = ctx.fCnt
        session.dataRate = ctx.dataRate
        session.uplinkHistory.append(UplinkSample(fCnt: ctx.fCnt, maxSNR: ctx.frames.map(\.rxInfo.snr).max() ?? 0,
                                                  gatewayCount: Set(ctx.frames.map(\.rxInfo.gatewayEUI)).count,
                                                  txPowerIndex: session.txPowerIndex))
        if session.uplinkHistory.count > 20 { session.uplinkHistory.removeFirst(session.uplinkHistory.count - 20) }
        var info: DeviceInfo
        if let cached = ctx.info { info = cached } else { info = await deviceInfo(device, profile) }
        // A confirmed downlink is acknowledged by the ACK bit of the next uplink.
        if let pending = session.pendingConfirmedDownlink {
            let acked = ctx.macPayload.fhdr.fCtrl.ack
            if acked || pending.attempts >= configuration.confirmedDownlinkMaxAttempts {
                try? await sessions.removeQueueItem(id: pending.queueItemID)
                session.pendingConfirmedDownlink = nil
                self.pending.events.append(.ack(AckEvent(deduplicationId: ctx.deduplicationID, time: timeString(ctx.receivedAtMillis), deviceInfo: info,
                                   queueItemId: String(pending.queueItemID), acknowledged: acked, fCntDown: pending.fCnt)))
            }
        }
        if let status = ctx.devStatus {
            self.pending.events.append(.status(StatusEvent(deduplicationId: ctx.deduplicationID, time: timeString(ctx.receivedAtMillis), deviceInfo: info,
                                     margin: status.margin, externalPowerSource: status.battery == 0,
                                     batteryLevelUnavailable: status.battery == 255,
                                     batteryLevel: status.battery == 0 || status.battery == 255 ? 0 : Double(status.battery) / 254 * 100)))
        }
        ctx.session = session
        // Write-behind: the counter (or the whole session when more than the uplink fields
        // changed) and the row are committed with the next batch, before any downlink and before
        // this uplink's events are emitted. A session read from the store (after a restart) is
        // written whole once, to carry a downlink-counter reservation.
        if let old = cache[session.devEUI], WriteBehind.onlyVolatileChanged(old, session),
           counterReservations[session.devEUI]?.covers(session) == true {
            cache.put(session)
            pending.markCounter(session)
        } else {
            saveSessionLater(session)
        }
        lastGateway[device.devEUI] = ctx.best.rxInfo.gatewayEUI
        let best = ctx.best
        pending.uplinks.append(UplinkRecord(timeMillis: ctx.receivedAtMillis, devEUI: device.devEUI, devAddr: session.devAddr,
                                                      fCnt: ctx.fCnt, fPort: ctx.macPayload.fPort, dataRate: ctx.dataRate,
                                                      frequency: best.txInfo.frequency, rssi: best.rxInfo.rssi, snr: best.rxInfo.snr,
                                                      gatewayCount: Set(ctx.frames.map(\.rxInfo.gatewayEUI)).count,
                                                      confirmed: ctx.confirmed, size: ctx.payload.count))
        metrics.accepted["data"]?.increment()
        let rxInfo = ctx.frames.map { f in
            EventRxInfo(gatewayId: f.rxInfo.gatewayEUI.description, uplinkId: f.rxInfo.concentratorTimestamp,
                        time: f.rxInfo.timeMillis.map(timeString), rssi: f.rxInfo.rssi, snr: f.rxInfo.snr, channel: f.rxInfo.channel,
                        rfChain: f.rxInfo.rfChain, board: f.rxInfo.board, antenna: f.rxInfo.antenna,
                        location: f.rxInfo.location.map { EventLocation(latitude: $0.latitude, longitude: $0.longitude, altitude: $0.altitude) },
                        context: Data(withUnsafeBytes(of: f.rxInfo.concentratorTimestamp.bigEndian) { Array($0) }).base64EncodedString(),
                        crcStatus: "CRC_OK")
        }
        let port = ctx.macPayload.fPort
        self.pending.events.append(.up(UplinkEvent(deduplicationId: ctx.deduplicationID, time: timeString(ctx.receivedAtMillis), deviceInfo: info,
                             devAddr: session.devAddr.description, adr: ctx.macPayload.fhdr.fCtrl.adr, dr: ctx.dataRate, fCnt: ctx.fCnt,
                             fPort: port, confirmed: ctx.confirmed,
                             data: (port ?? 0) > 0 && !ctx.payload.isEmpty ? Data(ctx.payload).base64EncodedString() : nil,
                             rxInfo: rxInfo, txInfo: EventTxInfo(frequency: best.txInfo.frequency, modulation: best.txInfo.modulation))))
    }

    // MARK: Keyed crypto per session

    /// The session's OpenSSL contexts (CMAC per integrity key, AES per encryption key), built once
    /// and reused while the session's keys stay the same. Bounded: with more sessions than
    /// `sessionCryptoLimit` an arbitrary entry is evicted (a miss costs what every frame cost
    /// before: building the contexts).
    func sessionCrypto(_ session: DeviceSession) -> SessionCrypto? {
        if let e = cryptoCache[session.devEUI], e.keys == session.keys, e.version == session.macVersion { return e.crypto }
        guard let crypto = try? SessionCrypto(version: session.macVersion, keys: session.keys) else { return nil }
        if cryptoCache.count >= Self.sessionCryptoLimit, cryptoCache[session.devEUI] == nil {
            cryptoCache.remove(at: cryptoCache.startIndex)
        }
        cryptoCache[session.devEUI] = CachedSessionCrypto(keys: session.keys, version: session.macVersion, crypto: crypto)
        return crypto
    }

    /// Whether the uplink's MIC verifies for `session` at the 32-bit counter `fCnt`.
    func verifyMIC(_ ctx: UplinkContext, layout: DataFrameLayout?, session: DeviceSession, fCnt: UInt32, confFCnt: UInt32,
                   txDR: UInt8, txCh: UInt8) -> Bool {
        if let layout, let crypto = sessionCrypto(session) {
            return ctx.best.phyPayload.withUnsafeBytes { crypto.verifyMIC($0, layout: layout, fCnt: fCnt, confFCnt: confFCnt, txDR: txDR, txCh: txCh) }
        }
        guard let mic = try? ctx.phy.dataMIC(version: session.macVersion, keys: session.keys, fCnt: fCnt, confFCnt: confFCnt,
                                             txDR: txDR, txCh: txCh) else { return false }
        return mic == ctx.phy.mic
    }

    /// The decrypted FRMPayload of the data frame `bytes`, or nil when its layout does not parse.
    func decryptFRMPayload(_ bytes: [UInt8], crypto: SessionCrypto, fCnt: UInt32) -> [UInt8]? {
        bytes.withUnsafeBytes { b -> [UInt8]? in
            guard let layout = try? DataFrameLayout(b) else { return nil }
            return [UInt8](unsafeUninitializedCapacity: layout.frmPayloadLength) { out, n in
                n = crypto.decryptFRMPayload(b, layout: layout, fCnt: fCnt, into: UnsafeMutableRawBufferPointer(out))
            }
        }
    }
}

/// A session's crypto contexts and the keys they were built for.
struct CachedSessionCrypto {
    let keys: SessionKeys
    let version: MACVersion
    let crypto: SessionCrypto
}
