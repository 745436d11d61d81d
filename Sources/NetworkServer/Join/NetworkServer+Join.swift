import Foundation
import LoRaWAN
import Registry
import RegionalParameters

extension NetworkServer {
    /// OTAA join: verify the join-request MIC, refuse a replayed DevNonce (1.0.x: never reused;
    /// 1.1: strictly increasing), take the next JoinNonce, allocate a DevAddr inside the NetID,
    /// derive the session keys and answer with a join-accept (DLSettings with the RX1 offset and
    /// RX2 data rate, RxDelay, the region's CFList) in the join-accept RX1 window.
    func handleJoin(phy: PHYPayload, frames: [UplinkFrame], deduplicationID: String) async -> UplinkOutcome {
        guard case let .joinRequest(jr) = phy.payload else { return drop(.unparsable) }
        guard let device = try? await registry.device(devEUI: jr.devEUI),
              let profile = try? await registry.deviceProfile(id: device.deviceProfileID) else {
            return drop(.unknownDevice)
        }
        guard !device.disabled else { return drop(.deviceDisabled) }
        guard let plan = plan(for: profile) else { return drop(.unknownRegion) }
        let info = await deviceInfo(device, profile)
        let version = (try? MACVersion(parsing: profile.macVersion)) ?? .lorawan1_0
        guard let appKey = device.appKey else {
            logEvent("ERROR", "OTAA", "device has no AppKey", device: info)
            return drop(.unknownDevice)
        }
        // 1.1: the join-request MIC uses NwkKey; 1.0.x: AppKey.
        let nwkKey = version == .lorawan1_1 ? (device.nwkKey ?? appKey) : appKey
        guard let mic = try? phy.joinRequestMIC(key: nwkKey), mic == phy.mic else {
            logEvent("ERROR", "UPLINK_MIC", "join-request MIC mismatch", device: info)
            return drop(.micMismatch)
        }
        let joinNonce: UInt32
        do {
            guard let n = try await sessions.recordJoin(devEUI: device.devEUI, joinEUI: jr.joinEUI, devNonce: jr.devNonce,
                                                        strictlyIncreasing: version == .lorawan1_1) else {
                logEvent("ERROR", "OTAA", "DevNonce \(jr.devNonce) already used", device: info, context: ["dev_nonce": "\(jr.devNonce)"])
                return drop(.devNonceReplay)
            }
            joinNonce = n
        } catch {
            logEvent("ERROR", "OTAA", "join not recorded: \(error)", device: info)
            return drop(.unknownDevice)
        }
        let devAddr = DevAddr(netID: configuration.netID, nwkAddr: UInt32.random(in: 0...UInt32.max))
        let rx2DR = profile.rx2DataRate ?? plan.rx2.dataRate
        let rx2Freq = profile.rx2Frequency.map(Int.init) ?? plan.rx2.frequency
        let extra = configuration.extraChannels[plan.id] ?? []
        var cfList: CFList?
        if plan.cfListType == .frequencies, !extra.isEmpty, let bytes = try? plan.cfList(frequencies: Array(extra.prefix(5))) {
            cfList = try? CFList(bytes: bytes)
        }
        let accept = JoinAcceptPayload(joinNonce: joinNonce, homeNetID: configuration.netID, devAddr: devAddr,
                                       dlSettings: DLSettings(optNeg: version == .lorawan1_1, rx1DROffset: UInt8(clamping: profile.rx1DROffset),
                                                              rx2DataRate: UInt8(clamping: rx2DR)),
                                       rxDelay: UInt8(clamping: profile.rx1Delay), cfList: cfList)
        var reply = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(accept), mic: nil)
        let keys: SessionKeys
        do {
            if version == .lorawan1_1 {
                keys = try SessionKeys.derive11(nwkKey: nwkKey, appKey: appKey, joinNonce: joinNonce, joinEUI: jr.joinEUI, devNonce: jr.devNonce)
                let js = try JoinServerKeys.derive(nwkKey: nwkKey, devEUI: device.devEUI)
                reply.mic = try reply.joinAcceptMIC(key: js.jsIntKey, joinRequestType: .joinRequest, joinEUI: jr.joinEUI, devNonce: jr.devNonce)
            } else {
                keys = try SessionKeys.derive10(appKey: appKey, joinNonce: joinNonce, netID: configuration.netID, devNonce: jr.devNonce)
                reply.mic = try reply.joinAcceptMIC(key: appKey)
            }
            reply = try reply.encryptingJoinAccept(key: nwkKey)
        } catch {
            logEvent("ERROR", "OTAA", "join-accept could not be built: \(error)", device: info)
            return drop(.unparsable)
        }
        let best = frames[0]
        let uplinkDR = (try? plan.dataRateIndex(for: best.txInfo.modulation, direction: .uplink)) ?? 0
        var enabled = Array(plan.uplinkChannels.indices)
        if cfList != nil { enabled += (plan.uplinkChannels.count..<(plan.uplinkChannels.count + min(extra.count, 5))) }
        var session = DeviceSession(devEUI: device.devEUI, devAddr: devAddr, macVersion: version, keys: keys,
                                    rx1Delay: profile.rx1Delay, rx1DROffset: profile.rx1DROffset, rx2DataRate: rx2DR,
                                    rx2Frequency: UInt32(clamping: rx2Freq), dataRate: uplinkDR, txPowerIndex: 0,
                                    enabledChannels: enabled, activatedAtMillis: nowMillis())
        session.rekeyConfirmed = version == .lorawan1_1 ? false : nil
        session.lastRJCount1 = (try? await loadSession(devEUI: device.devEUI))??.lastRJCount1
        return await activate(session, answering: reply, plan: plan, uplink: best, uplinkDataRate: uplinkDR,
                              info: info, deduplicationID: deduplicationID)
    }

    /// The common end of a join and a rejoin: store the new session (dropping the old session's
    /// queue), emit the `join` event, and answer with the join-accept in the JoinAcceptDelay1/2
    /// windows. A session that cannot be stored is not answered.
    func activate(_ session: DeviceSession, answering reply: PHYPayload, plan: ChannelPlan, uplink best: UplinkFrame,
                  uplinkDataRate uplinkDR: Int, info: DeviceInfo, deduplicationID: String) async -> UplinkOutcome {
        do {
            try await saveSession(session)
            try await sessions.flushQueue(devEUI: session.devEUI)  // the old session's queue is meaningless
        } catch {
            logEvent("ERROR", "OTAA", "session not saved: \(error)", device: info)
            return drop(.unknownDevice)
        }
        lastGateway[session.devEUI] = best.rxInfo.gatewayEUI
        metrics.accepted["join"]?.increment()
        emit(.join(JoinEvent(deduplicationId: deduplicationID, time: timeString(nowMillis()), deviceInfo: info,
                             devAddr: session.devAddr.description)))

        // Join-accept windows: JoinAcceptDelay1 (RX1) and JoinAcceptDelay2 (RX2).
        guard let bytes = try? reply.serialized() else { return .accepted(downlink: nil) }
        let delay1 = max(1, plan.joinAcceptDelay1 / 1000)
        let windows = DownlinkPlanner.classAWindows(plan: plan, uplinkFrequency: Int(best.txInfo.frequency), uplinkDataRate: uplinkDR,
                                                    rx1DROffset: 0, delay1Seconds: delay1, rx2Frequency: plan.rx2.frequency,
                                                    rx2DataRate: plan.rx2.dataRate)
        let downlink = await sendClassA(bytes: bytes, windows: windows, plan: plan, uplink: best, devEUI: session.devEUI,
                                        fCnt: 0, queueItemID: nil, info: info)
        return .accepted(downlink: downlink)
    }
}
