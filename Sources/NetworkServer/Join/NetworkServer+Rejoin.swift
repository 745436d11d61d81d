import Foundation
import LoRaWAN
import Registry
import RegionalParameters

extension NetworkServer {
    /// LoRaWAN 1.1 rejoin-requests (§6.2.4), answered with a join-accept encrypted with JSEncKey
    /// and signed with JSIntKey over JoinReqType = the rejoin type and DevNonce = the RJcount:
    /// - type 0 (MIC with the session's SNwkSIntKey, NetID must be ours, RJcount0 above the last
    ///   one in this session): a new context — DevAddr, keys, counters and radio parameters reset
    ///   as for a join;
    /// - type 2 (same checks): re-keying — new DevAddr, keys and counters; the radio parameters
    ///   (RX1 offset, RX2, RX1 delay, channels, data rate, power) are kept;
    /// - type 1 (MIC with JSIntKey, JoinEUI must be the device's, RJcount1 above the last one
    ///   seen for the device): treated like a join-request.
    /// Session keys are derived as for a join with DevNonce = RJcount and a fresh JoinNonce. The
    /// old session is replaced when the join-accept is sent (as for a join-request).
    func handleRejoin(phy: PHYPayload, frames: [UplinkFrame], deduplicationID: String) async -> UplinkOutcome {
        guard case let .rejoinRequest(rj) = phy.payload else { return drop(.unparsable) }
        guard let device = try? await registry.device(devEUI: rj.devEUI),
              let profile = try? await registry.deviceProfile(id: device.deviceProfileID) else {
            return drop(.unknownDevice)
        }
        guard !device.disabled else { return drop(.deviceDisabled) }
        guard let plan = plan(for: profile) else { return drop(.unknownRegion) }
        let info = await deviceInfo(device, profile)
        guard (try? MACVersion(parsing: profile.macVersion)) == .lorawan1_1, let appKey = device.appKey else {
            logEvent("ERROR", "OTAA", "rejoin-request from a device that is not LoRaWAN 1.1 OTAA", device: info)
            return drop(.unsupportedMessageType)
        }
        let nwkKey = device.nwkKey ?? appKey
        guard let js = try? JoinServerKeys.derive(nwkKey: nwkKey, devEUI: device.devEUI) else { return drop(.unparsable) }
        let current = (try? await loadSession(devEUI: device.devEUI)) ?? nil
        let requestType: JoinRequestType
        var keepRadio: DeviceSession?
        switch rj {
        case let .type0or2(type, netID, _, count):
            guard let current, current.macVersion == .lorawan1_1 else {
                logEvent("ERROR", "OTAA", "rejoin-request type \(type) without a session", device: info)
                return drop(.unknownDevAddr)
            }
            guard let mic = try? phy.rejoinRequestMIC(key: current.keys.sNwkSIntKey), mic == phy.mic else {
                logEvent("ERROR", "UPLINK_MIC", "rejoin-request type \(type) MIC mismatch", device: info)
                return drop(.micMismatch)
            }
            guard netID == configuration.netID else {
                logEvent("ERROR", "OTAA", "rejoin-request type \(type) for NetID \(netID)", device: info)
                return drop(.unknownDevAddr)
            }
            if let last = current.lastRJCount0, count <= last {
                logEvent("ERROR", "OTAA", "RJcount0 \(count) replayed (last \(last))", device: info, context: ["rj_count": "\(count)"])
                return drop(.devNonceReplay)
            }
            requestType = type == 2 ? .rejoinType2 : .rejoinType0
            if type == 2 { keepRadio = current }
        case let .type1(joinEUI, _, count):
            guard let mic = try? phy.rejoinRequestMIC(key: js.jsIntKey), mic == phy.mic else {
                logEvent("ERROR", "UPLINK_MIC", "rejoin-request type 1 MIC mismatch", device: info)
                return drop(.micMismatch)
            }
            guard joinEUI == device.joinEUI else {
                logEvent("ERROR", "OTAA", "rejoin-request type 1 for JoinEUI \(joinEUI)", device: info)
                return drop(.unknownDevice)
            }
            if let last = current?.lastRJCount1, count <= last {
                logEvent("ERROR", "OTAA", "RJcount1 \(count) replayed (last \(last))", device: info, context: ["rj_count": "\(count)"])
                return drop(.devNonceReplay)
            }
            requestType = .rejoinType1
        }
        // Record the RJcount before answering, so a replay is refused even if the answer is lost.
        if var s = current {
            if case .type1 = rj { s.lastRJCount1 = rj.rjCount } else { s.lastRJCount0 = rj.rjCount }
            do { try await saveSession(s) } catch {
                logEvent("ERROR", "OTAA", "rejoin not recorded: \(error)", device: info)
                return drop(.unknownDevice)
            }
        }
        let joinNonce: UInt32
        do { joinNonce = try await sessions.nextJoinNonce(devEUI: device.devEUI) } catch {
            logEvent("ERROR", "OTAA", "rejoin not recorded: \(error)", device: info)
            return drop(.unknownDevice)
        }

        let devAddr = DevAddr(netID: configuration.netID, nwkAddr: UInt32.random(in: 0...UInt32.max))
        let rx1DROffset = keepRadio?.rx1DROffset ?? profile.rx1DROffset
        let rx2DR = keepRadio?.rx2DataRate ?? profile.rx2DataRate ?? plan.rx2.dataRate
        let rx2Freq = keepRadio.map { Int($0.rx2Frequency) } ?? profile.rx2Frequency.map(Int.init) ?? plan.rx2.frequency
        let rx1Delay = keepRadio?.rx1Delay ?? profile.rx1Delay
        let extra = configuration.extraChannels[plan.id] ?? []
        var cfList: CFList?
        if keepRadio == nil, plan.cfListType == .frequencies, !extra.isEmpty, let bytes = try? plan.cfList(frequencies: Array(extra.prefix(5))) {
            cfList = try? CFList(bytes: bytes)
        }
        let accept = JoinAcceptPayload(joinNonce: joinNonce, homeNetID: configuration.netID, devAddr: devAddr,
                                       dlSettings: DLSettings(optNeg: true, rx1DROffset: UInt8(clamping: rx1DROffset), rx2DataRate: UInt8(clamping: rx2DR)),
                                       rxDelay: UInt8(clamping: rx1Delay), cfList: cfList)
        var reply = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(accept), mic: nil)
        let keys: SessionKeys
        do {
            keys = try SessionKeys.derive11(nwkKey: nwkKey, appKey: appKey, joinNonce: joinNonce, joinEUI: device.joinEUI, devNonce: rj.rjCount)
            reply.mic = try reply.joinAcceptMIC(key: js.jsIntKey, joinRequestType: requestType, joinEUI: device.joinEUI, devNonce: rj.rjCount)
            reply = try reply.encryptingJoinAccept(key: js.jsEncKey)
        } catch {
            logEvent("ERROR", "OTAA", "join-accept could not be built: \(error)", device: info)
            return drop(.unparsable)
        }
        let best = frames[0]
        let uplinkDR = (try? plan.dataRateIndex(for: best.txInfo.modulation, direction: .uplink)) ?? 0
        var enabled = Array(plan.uplinkChannels.indices)
        if cfList != nil { enabled += (plan.uplinkChannels.count..<(plan.uplinkChannels.count + min(extra.count, 5))) }
        var session = DeviceSession(devEUI: device.devEUI, devAddr: devAddr, macVersion: .lorawan1_1, keys: keys,
                                    rx1Delay: rx1Delay, rx1DROffset: rx1DROffset, rx2DataRate: rx2DR, rx2Frequency: UInt32(clamping: rx2Freq),
                                    dataRate: keepRadio?.dataRate ?? uplinkDR, txPowerIndex: keepRadio?.txPowerIndex ?? 0,
                                    enabledChannels: keepRadio?.enabledChannels ?? enabled, activatedAtMillis: nowMillis())
        if let keepRadio { session.nbTrans = keepRadio.nbTrans }
        session.rekeyConfirmed = false
        session.lastRJCount1 = requestType == .rejoinType1 ? rj.rjCount : current?.lastRJCount1
        return await activate(session, answering: reply, plan: plan, uplink: best, uplinkDataRate: uplinkDR,
                              info: info, deduplicationID: deduplicationID)
    }
}
