/// Looks inside a LoRaWAN frame: parses it, decrypts what the given keys allow and checks the
/// MIC. The logic behind `lorikeet frame decode`; the CLI only parses arguments.
///
/// ```swift
/// var keys = FrameInspector.Keys()
/// keys.nwkSKey = try AES128Key(hex: "02020202020202020202020202020202")
/// keys.appSKey = try AES128Key(hex: "01010101010101010101010101010101")
/// let report = try FrameInspector.inspect(hex: "400403020180010001a694642615d6c3b582", keys: keys)
/// report.micValid                   // true
/// report.data?.frmPayloadDecrypted  // "68656c6c6f" ("hello")
/// ```
public enum FrameInspector {
    /// Keys and context known to the caller. Everything is optional; what is missing limits
    /// what can be decrypted or verified, and the report says so.
    public struct Keys: Sendable {
        public var nwkSKey: AES128Key?
        public var appSKey: AES128Key?
        public var appKey: AES128Key?
        public var nwkKey: AES128Key?
        /// LoRaWAN 1.1 split network keys; each defaults to `nwkSKey`.
        public var fNwkSIntKey: AES128Key?
        public var sNwkSIntKey: AES128Key?
        public var nwkSEncKey: AES128Key?
        /// For a LoRaWAN 1.1 join-accept MIC: the device's DevEUI (JSIntKey), JoinEUI and DevNonce.
        public var devEUI: EUI64?
        public var joinEUI: EUI64?
        public var devNonce: UInt16?
        public init() {}
    }

    /// Per-frame context the MIC depends on.
    public struct Context: Sendable {
        public var version: MACVersion = .lorawan1_0
        /// The 16 most significant bits of the frame counter.
        public var fCntMSB: UInt16 = 0
        /// LoRaWAN 1.1: counter of the frame this one acknowledges, and the uplink's TxDr / TxCh.
        public var confFCnt: UInt32 = 0
        public var txDR: UInt8 = 0
        public var txCh: UInt8 = 0
        /// LoRaWAN 1.1 FOpts key-stream layout.
        public var fOptsKeyStream: FOptsKeyStream = .errata
        public init() {}
    }

    /// Parses hex text and inspects the frame.
    public static func inspect(hex: String, keys: Keys = Keys(), context: Context = Context()) throws(LoRaWANError) -> FrameReport {
        try inspect(bytes: Hex.decode(hex, what: "frame"), keys: keys, context: context)
    }

    /// Inspects a frame.
    /// - Throws: the parse errors of `PHYPayload(bytes:)`; key problems are reported, not thrown.
    public static func inspect(bytes: [UInt8], keys: Keys = Keys(), context: Context = Context()) throws(LoRaWANError) -> FrameReport {
        let phy = try PHYPayload(bytes: bytes)
        var report = FrameReport(phyPayload: bytes.hexString, mType: phy.mhdr.mType.description, major: Int(phy.mhdr.major),
                                 macVersion: context.version.rawValue, mic: phy.mic?.description)
        let is11 = context.version == .lorawan1_1
        // The root key for join procedures: NwkKey in 1.1, AppKey in 1.0.x (each falls back on the other).
        let rootKey = is11 ? (keys.nwkKey ?? keys.appKey) : (keys.appKey ?? keys.nwkKey)
        let rootName = is11 ? (keys.nwkKey != nil ? "NwkKey" : "AppKey") : (keys.appKey != nil ? "AppKey" : "NwkKey")

        switch phy.payload {
        case let .joinRequest(jr):
            report.joinRequest = .init(joinEUI: jr.joinEUI.description, devEUI: jr.devEUI.description, devNonce: Int(jr.devNonce))
            if let rootKey {
                report.micValid = try phy.joinRequestMIC(key: rootKey) == phy.mic
                report.micNote = "checked with \(rootName)"
            } else {
                report.micNote = "no \(is11 ? "--nwk-key" : "--app-key") given"
            }

        case let .encryptedJoinAccept(ct):
            guard let rootKey else {
                report.joinAccept = .init(decrypted: false, encryptedPayload: ct.hexString)
                report.micNote = "join-accept is encrypted; give \(is11 ? "--nwk-key" : "--app-key") to decrypt it"
                break
            }
            let plain = try phy.decryptingJoinAccept(key: rootKey)
            report.mic = plain.mic?.description
            guard case let .joinAccept(ja) = plain.payload else { break }
            report.joinAccept = joinAcceptReport(ja, encrypted: ct)
            if ja.dlSettings.optNeg {
                // LoRaWAN 1.1 §6.2.3: MIC under JSIntKey over JoinReqType | JoinEUI | DevNonce | ….
                if let nwkKey = keys.nwkKey ?? (is11 ? nil : keys.appKey), let devEUI = keys.devEUI,
                   let joinEUI = keys.joinEUI, let devNonce = keys.devNonce {
                    let js = try JoinServerKeys.derive(nwkKey: nwkKey, devEUI: devEUI)
                    report.micValid = try plain.joinAcceptMIC(key: js.jsIntKey, joinRequestType: .joinRequest,
                                                              joinEUI: joinEUI, devNonce: devNonce) == plain.mic
                    report.micNote = "OptNeg set: checked with JSIntKey (LoRaWAN 1.1 join-accept MIC)"
                } else {
                    report.micNote = "OptNeg set: the LoRaWAN 1.1 MIC needs --nwk-key, --dev-eui, --join-eui and --dev-nonce"
                }
            } else {
                report.micValid = try plain.joinAcceptMIC(key: rootKey) == plain.mic
                report.micNote = "decrypted and checked with \(rootName)"
            }

        case let .joinAccept(ja):
            // Only built in code; a parsed frame is always encrypted.
            report.joinAccept = joinAcceptReport(ja, encrypted: nil)

        case let .rejoinRequest(rj):
            report.rejoinRequest = rejoinReport(rj)
            if rj.rejoinType == 1 {
                if let nwkKey = keys.nwkKey {
                    let js = try JoinServerKeys.derive(nwkKey: nwkKey, devEUI: rj.devEUI)
                    report.micValid = try phy.rejoinRequestMIC(key: js.jsIntKey) == phy.mic
                    report.micNote = "checked with JSIntKey derived from NwkKey and the frame's DevEUI"
                } else {
                    report.micNote = "rejoin type 1 MIC needs --nwk-key"
                }
            } else if let k = keys.sNwkSIntKey ?? keys.nwkSKey {
                report.micValid = try phy.rejoinRequestMIC(key: k) == phy.mic
                report.micNote = "checked with SNwkSIntKey"
            } else {
                report.micNote = "rejoin type \(rj.rejoinType) MIC needs --s-nwk-s-int-key or --nwk-s-key"
            }

        case let .data(mac):
            let (data, micValid, note) = try dataReport(phy, mac, keys: keys, context: context)
            report.data = data
            report.micValid = micValid
            report.micNote = note

        case let .proprietary(b):
            report.proprietaryPayload = b.hexString
            report.micNote = "proprietary frames carry no standard MIC"
        }
        return report
    }

    static func joinAcceptReport(_ ja: JoinAcceptPayload, encrypted: [UInt8]?) -> FrameReport.JoinAcceptReport {
        var cf: FrameReport.CFListReport?
        if let c = ja.cfList {
            cf = .init(type: Int(c.type), bytes: c.bytes.hexString, frequencies: c.frequencies,
                       channelMasks: c.channelMasks?.map { [UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)].hexString })
        }
        return .init(decrypted: true, encryptedPayload: encrypted?.hexString, joinNonce: Int(ja.joinNonce),
                     homeNetID: ja.homeNetID.description, devAddr: ja.devAddr.description,
                     dlSettings: .init(optNeg: ja.dlSettings.optNeg, rx1DROffset: Int(ja.dlSettings.rx1DROffset),
                                       rx2DataRate: Int(ja.dlSettings.rx2DataRate)),
                     rxDelay: Int(ja.rxDelay), cfList: cf)
    }

    static func rejoinReport(_ rj: RejoinRequestPayload) -> FrameReport.RejoinRequestReport {
        switch rj {
        case let .type0or2(t, netID, devEUI, c):
            return .init(rejoinType: Int(t), netID: netID.description, joinEUI: nil, devEUI: devEUI.description, rjCount: Int(c))
        case let .type1(joinEUI, devEUI, c):
            return .init(rejoinType: 1, netID: nil, joinEUI: joinEUI.description, devEUI: devEUI.description, rjCount: Int(c))
        }
    }

    static func dataReport(_ phy: PHYPayload, _ mac: MACPayload, keys: Keys, context: Context) throws(LoRaWANError)
        -> (FrameReport.DataReport, Bool?, String) {
        let direction = mac.fhdr.fCtrl.direction
        let fc = mac.fhdr.fCtrl
        let fCnt32 = FrameCounter.combine(msb: context.fCntMSB, received: mac.fhdr.fCnt)
        let is11 = context.version == .lorawan1_1
        var data = FrameReport.DataReport(
            direction: direction.rawValue, devAddr: mac.fhdr.devAddr.description,
            fCtrl: .init(adr: fc.adr, adrAckReq: direction == .uplink ? fc.adrAckReq : nil,
                         rfu: direction == .downlink ? fc.bit6 : nil, ack: fc.ack,
                         classB: direction == .uplink ? fc.classB : nil, fPending: direction == .downlink ? fc.fPending : nil,
                         fOptsLen: mac.fhdr.fOpts.count),
            fCnt: Int(mac.fhdr.fCnt), fCnt32: fCnt32, fOpts: mac.fhdr.fOpts.hexString,
            fPort: mac.fPort.map(Int.init), frmPayload: mac.frmPayload.hexString)

        let nwkSEnc = keys.nwkSEncKey ?? keys.nwkSKey
        // Plain FOpts: always in 1.0.x; in 1.1 after decryption with NwkSEncKey.
        var plainFOpts: [UInt8]? = is11 ? nil : mac.fhdr.fOpts
        if is11, !mac.fhdr.fOpts.isEmpty, let nwkSEnc {
            plainFOpts = try phy.cryptingFOpts(nwkSEncKey: nwkSEnc, fCnt: fCnt32, scheme: context.fOptsKeyStream).macPayload?.fhdr.fOpts
            data.fOptsDecrypted = plainFOpts?.hexString
        } else if is11, mac.fhdr.fOpts.isEmpty {
            plainFOpts = []
        }

        var plainFRM: [UInt8]?
        if !mac.frmPayload.isEmpty {
            let frmKey = mac.fPort == 0 ? nwkSEnc : keys.appSKey
            if let frmKey {
                plainFRM = try phy.cryptingFRMPayload(key: frmKey, fCnt: fCnt32).macPayload?.frmPayload
                data.frmPayloadDecrypted = plainFRM?.hexString
            }
        }

        // MAC commands: FOpts, or the FRMPayload on FPort 0.
        let macBytes: [UInt8]?
        let macNote: String
        if mac.fPort == 0 {
            macBytes = plainFRM
            macNote = "FPort 0 FRMPayload needs \(is11 ? "--nwk-s-enc-key or --nwk-s-key" : "--nwk-s-key") to decrypt"
        } else {
            macBytes = plainFOpts
            macNote = "LoRaWAN 1.1 FOpts are encrypted; give --nwk-s-enc-key or --nwk-s-key"
        }
        if let macBytes {
            if !macBytes.isEmpty {
                (data.macCommands, data.macCommandsNote) = macCommandReports(macBytes, direction: direction)
            }
        } else {
            data.macCommandsNote = macNote
        }

        // MIC.
        var sessionKeys: SessionKeys?
        if is11 {
            if let f = keys.fNwkSIntKey ?? keys.nwkSKey, let s = keys.sNwkSIntKey ?? keys.nwkSKey {
                sessionKeys = SessionKeys(fNwkSIntKey: f, sNwkSIntKey: s, nwkSEncKey: nwkSEnc ?? f, appSKey: keys.appSKey ?? f)
            } else if direction == .downlink, let s = keys.sNwkSIntKey {
                sessionKeys = SessionKeys(fNwkSIntKey: s, sNwkSIntKey: s, nwkSEncKey: s, appSKey: s)
            }
        } else if let n = keys.nwkSKey {
            sessionKeys = SessionKeys(nwkSKey: n, appSKey: keys.appSKey ?? n)
        }
        guard let sessionKeys else {
            return (data, nil, is11 ? "MIC needs --f-nwk-s-int-key and --s-nwk-s-int-key (or --nwk-s-key)" : "MIC needs --nwk-s-key")
        }
        let expected = try phy.dataMIC(version: context.version, keys: sessionKeys, fCnt: fCnt32,
                                       confFCnt: context.confFCnt, txDR: context.txDR, txCh: context.txCh)
        let valid = expected == phy.mic
        var note = "checked with \(is11 ? (direction == .uplink ? "FNwkSIntKey and SNwkSIntKey" : "SNwkSIntKey") : "NwkSKey") at FCnt \(fCnt32)"
        if !valid { note += "; expected \(expected)" }
        return (data, valid, note)
    }
}
