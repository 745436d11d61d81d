public import LoRaWAN
import Registry

extension NetworkServer {
    /// Required SNR per spreading factor, for LinkCheckAns margins.
    static func requiredSNR(_ modulation: Modulation) -> Double {
        if case let .lora(sf, _, _) = modulation { return ADRAlgorithm.requiredSNR[sf] ?? -20 }
        return 0
    }

    /// The request CID each answer closes.
    static let answerClosesRequest: [UInt8: UInt8] = [0x03: 0x03, 0x04: 0x04, 0x05: 0x05, 0x06: 0x06, 0x07: 0x07, 0x08: 0x08,
                                                      0x09: 0x09, 0x0A: 0x0A, 0x0C: 0x0C, 0x0F: 0x0F]

    /// Stage 3: answer the device's MAC commands and close the requests it answered.
    func handleMACCommands(_ ctx: inout UplinkContext) {
        guard var session = ctx.session else { return }
        for command in ctx.macCommands {
            if let closes = Self.answerClosesRequest[command.cid] {
                // Apply what the device accepted from the request this answer closes.
                let requests = session.pendingMACCommands.filter { $0.cid == closes }
                    .flatMap { (try? MACCommand.parseAll($0.bytes, direction: .downlink)) ?? [] }
                applyAnswer(command, to: requests, session: &session)
                session.pendingMACCommands.removeAll { $0.cid == closes }
            }
            switch command {
            case .linkCheckReq:
                let margin = (ctx.frames.map(\.rxInfo.snr).max() ?? 0) - Self.requiredSNR(ctx.best.txInfo.modulation)
                let gwCnt = Set(ctx.frames.map(\.rxInfo.gatewayEUI)).count
                ctx.macAnswers.append(.linkCheckAns(MACCommand.LinkCheckAns(marginDB: UInt8(clamping: clampedInt(margin.rounded(.down))),
                                                                            gwCnt: UInt8(clamping: gwCnt))))
            case let .linkADRAns(ans):
                if ans.allAccepted, let target = session.adrTarget {
                    session.dataRate = target.dataRate
                    session.txPowerIndex = target.txPowerIndex
                    session.nbTrans = target.nbTrans
                } else if !ans.allAccepted {
                    // Rejected: forget it (not resent forever); ADR tries again from fresh history.
                    logEvent("WARNING", "MAC_COMMAND", "LinkADRReq rejected (power \(ans.powerACK), dr \(ans.dataRateACK), mask \(ans.channelMaskACK))",
                             device: nil, context: ["dev_eui": session.devEUI.description])
                    session.uplinkHistory.removeAll()
                }
                session.adrTarget = nil
            case let .devStatusAns(ans):
                session.battery = Int(ans.battery)
                session.margin = Int(ans.marginDB)
                ctx.devStatus = (Int(ans.battery), Int(ans.marginDB))
            case .deviceTimeReq:
                // GPS time = Unix time − 315 964 800 s + 18 leap seconds (since 2017-01-01).
                let millis = ctx.best.rxInfo.timeMillis ?? ctx.receivedAtMillis
                let gps = millis - 315_964_800_000 + 18_000
                let seconds = UInt32(truncatingIfNeeded: gps / 1000)
                let fraction = UInt8(truncatingIfNeeded: (gps % 1000) * 256 / 1000)
                ctx.macAnswers.append(.deviceTimeAns(MACCommand.DeviceTimeAns(gpsSeconds: seconds, fraction256: fraction)))
            case let .resetInd(ind):
                if let conf = try? MACCommand.ResetConf(minor: min(ind.minor, 1)) { ctx.macAnswers.append(.resetConf(conf)) }
            case let .rekeyInd(ind):
                session.rekeyConfirmed = true
                if let conf = try? MACCommand.RekeyConf(minor: min(ind.minor, 1)) { ctx.macAnswers.append(.rekeyConf(conf)) }
            default:
                break
            }
        }
        ctx.session = session
    }
}

extension NetworkServer {
    /// Updates the session with what a device accepted (RXParamSetup, RXTimingSetup, NewChannel);
    /// a rejection is logged and the request dropped, never resent forever.
    func applyAnswer(_ answer: MACCommand, to requests: [MACCommand], session: inout DeviceSession) {
        for request in requests {
            switch (answer, request) {
            case let (.rxParamSetupAns(ans), .rxParamSetupReq(req)):
                guard ans.allAccepted else { rejected("RXParamSetupReq", session); continue }
                session.rx1DROffset = Int(req.rx1DROffset)
                session.rx2DataRate = Int(req.rx2DataRate)
                session.rx2Frequency = req.frequencyHz
            case let (.rxTimingSetupAns, .rxTimingSetupReq(req)):
                session.rx1Delay = req.rx1DelaySeconds
            case let (.newChannelAns(ans), .newChannelReq(req)):
                guard ans.dataRateRangeOK && ans.channelFrequencyOK else { rejected("NewChannelReq", session); continue }
                let index = Int(req.chIndex)
                if req.frequencyHz == 0 {
                    session.enabledChannels.removeAll { $0 == index }
                } else if !session.enabledChannels.contains(index) {
                    session.enabledChannels.append(index)
                    session.enabledChannels.sort()
                }
            case let (.dlChannelAns(ans), .dlChannelReq):
                if !(ans.uplinkFrequencyExists && ans.channelFrequencyOK) { rejected("DlChannelReq", session) }
            default:
                break
            }
        }
    }

    private func rejected(_ name: String, _ session: DeviceSession) {
        logEvent("WARNING", "MAC_COMMAND", "\(name) rejected by the device; not resent", device: nil,
                 context: ["dev_eui": session.devEUI.description])
    }

    /// Queues a network-initiated MAC command (DevStatusReq, RXParamSetupReq, RXTimingSetupReq,
    /// NewChannelReq, DlChannelReq, DutyCycleReq, TxParamSetupReq, …) for the device's next
    /// downlink; its answer applies it (see `applyAnswer`).
    /// - Throws: `NetworkServerError.noSession` when the device has not joined.
    public func enqueueMACCommand(devEUI: EUI64, _ command: MACCommand) async throws {
        guard var session = try await loadSession(devEUI: devEUI) else { throw NetworkServerError.noSession(devEUI) }
        session.pendingMACCommands.removeAll { $0.cid == command.cid }
        session.pendingMACCommands.append(PendingMACCommand(cid: command.cid, bytes: MACCommand.encodeAll([command])))
        try await saveSession(session)
    }
}

/// `Int(d)` that saturates instead of trapping (SNRs come from gateways).
func clampedInt(_ d: Double) -> Int {
    guard d.isFinite else { return 0 }
    if d >= 1e9 { return 1_000_000_000 }
    if d <= -1e9 { return -1_000_000_000 }
    return Int(d)
}
