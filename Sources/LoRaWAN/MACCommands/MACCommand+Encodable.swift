extension MACCommand {
    /// JSON for `lorikeet frame decode`: a flat object with `cid`, `name` and the payload's fields,
    /// for example `{"cid":3,"name":"LinkADRReq","dataRate":5,"txPower":1,"chMask":7,…}`.
    ///
    /// Unknown and proprietary commands carry `payload` as lower-case hex. RFU bits appear as `rfu`
    /// only when some are set.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: MACFieldKey.self)
        try c.encode(cid, "cid")
        try c.encode(name, "name")
        switch self {
        case let .unknown(_, payload), let .proprietary(_, payload):
            try c.encode(payload.hexString, "payload")
        case .linkCheckReq, .dutyCycleAns, .devStatusReq, .rxTimingSetupAns, .txParamSetupAns,
             .adrParamSetupAns, .deviceTimeReq, .pingSlotInfoAns, .beaconTimingReq:
            break
        case let .resetInd(p): try p.encodeFields(into: &c)
        case let .resetConf(p): try p.encodeFields(into: &c)
        case let .linkCheckAns(p): try p.encodeFields(into: &c)
        case let .linkADRReq(p): try p.encodeFields(into: &c)
        case let .linkADRAns(p): try p.encodeFields(into: &c)
        case let .dutyCycleReq(p): try p.encodeFields(into: &c)
        case let .rxParamSetupReq(p): try p.encodeFields(into: &c)
        case let .rxParamSetupAns(p): try p.encodeFields(into: &c)
        case let .devStatusAns(p): try p.encodeFields(into: &c)
        case let .newChannelReq(p): try p.encodeFields(into: &c)
        case let .newChannelAns(p): try p.encodeFields(into: &c)
        case let .rxTimingSetupReq(p): try p.encodeFields(into: &c)
        case let .txParamSetupReq(p): try p.encodeFields(into: &c)
        case let .dlChannelReq(p): try p.encodeFields(into: &c)
        case let .dlChannelAns(p): try p.encodeFields(into: &c)
        case let .rekeyInd(p): try p.encodeFields(into: &c)
        case let .rekeyConf(p): try p.encodeFields(into: &c)
        case let .adrParamSetupReq(p): try p.encodeFields(into: &c)
        case let .deviceTimeAns(p): try p.encodeFields(into: &c)
        case let .forceRejoinReq(p): try p.encodeFields(into: &c)
        case let .rejoinParamSetupReq(p): try p.encodeFields(into: &c)
        case let .rejoinParamSetupAns(p): try p.encodeFields(into: &c)
        case let .pingSlotInfoReq(p): try p.encodeFields(into: &c)
        case let .pingSlotChannelReq(p): try p.encodeFields(into: &c)
        case let .pingSlotChannelAns(p): try p.encodeFields(into: &c)
        case let .beaconTimingAns(p): try p.encodeFields(into: &c)
        case let .beaconFreqReq(p): try p.encodeFields(into: &c)
        case let .beaconFreqAns(p): try p.encodeFields(into: &c)
        case let .deviceModeInd(p): try p.encodeFields(into: &c)
        case let .deviceModeConf(p): try p.encodeFields(into: &c)
        }
    }
}
