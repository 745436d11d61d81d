public import LoRaWAN

extension SimulatedDevice {
    /// A LoRaWAN 1.1 rejoin-request (§6.2.4): type 0 or 2 signed with the session's SNwkSIntKey,
    /// type 1 with JSIntKey.
    public func rejoinRequest(type: UInt8, netID: NetID, rjCount: UInt16) throws -> [UInt8] {
        let payload: RejoinRequestPayload = type == 1
            ? .type1(joinEUI: joinEUI, devEUI: devEUI, rjCount1: rjCount)
            : .type0or2(rejoinType: type, netID: netID, devEUI: devEUI, rjCount0: rjCount)
        var phy = PHYPayload(mhdr: MHDR(mType: .rejoinRequest), payload: .rejoinRequest(payload), mic: nil)
        if type == 1 {
            phy.mic = try phy.rejoinRequestMIC(key: try JoinServerKeys.derive(nwkKey: nwkKey, devEUI: devEUI).jsIntKey)
        } else {
            guard let keys else { throw LoRaWANError.missingKey("SNwkSIntKey") }
            phy.mic = try phy.rejoinRequestMIC(key: keys.sNwkSIntKey)
        }
        return try phy.serialized()
    }

    /// Opens the join-accept answering a rejoin-request: decrypts it with JSEncKey, checks the
    /// JSIntKey MIC over JoinReqType = `type` and DevNonce = `rjCount`, derives the new keys.
    @discardableResult
    public mutating func acceptRejoin(_ bytes: [UInt8], type: UInt8, rjCount: UInt16) throws -> JoinAcceptPayload {
        let js = try JoinServerKeys.derive(nwkKey: nwkKey, devEUI: devEUI)
        let phy = try PHYPayload(bytes: bytes).decryptingJoinAccept(key: js.jsEncKey)
        guard case let .joinAccept(ja) = phy.payload else { throw LoRaWANError.invalidField(name: "payload", reason: "not a join-accept") }
        let reqType: JoinRequestType = type == 0 ? .rejoinType0 : type == 1 ? .rejoinType1 : .rejoinType2
        guard try phy.joinAcceptMIC(key: js.jsIntKey, joinRequestType: reqType, joinEUI: joinEUI, devNonce: rjCount) == phy.mic else {
            throw LoRaWANError.micMismatch
        }
        keys = try SessionKeys.derive11(nwkKey: nwkKey, appKey: appKey, joinNonce: ja.joinNonce, joinEUI: joinEUI, devNonce: rjCount)
        devAddr = ja.devAddr
        fCntUp = 0
        return ja
    }
}
