/// Which join procedure a join-accept answers; it selects the JoinReqType byte of the LoRaWAN
/// 1.1 join-accept MIC (1.1 §6.2.3): 0xFF for a join-request, else the rejoin type.
public enum JoinRequestType: UInt8, Hashable, Sendable, Codable {
    case rejoinType0 = 0x00
    case rejoinType1 = 0x01
    case rejoinType2 = 0x02
    case joinRequest = 0xFF
}

extension PHYPayload {
    // MARK: - Data frames

    /// Computes the MIC of a data frame.
    ///
    /// - LoRaWAN 1.0.x, both directions: `cmac(NwkSKey, B0 | msg)[0..3]` (1.0.4 §4.4).
    /// - LoRaWAN 1.1 uplink: `cmacS[0..1] | cmacF[0..1]` with B1 carrying ConfFCnt, TxDr, TxCh
    ///   (1.1 §4.4.2); `keys.fNwkSIntKey` for cmacF, `keys.sNwkSIntKey` for cmacS.
    /// - LoRaWAN 1.1 downlink: `cmac(SNwkSIntKey, B0 | msg)[0..3]` with ConfFCnt in B0 (1.1 §4.4.1).
    ///
    /// ConfFCnt is used only when the frame's ACK bit is set (otherwise 0, as the spec requires);
    /// only its 16 low bits enter the block.
    ///
    /// - Parameters:
    ///   - fCnt: the full 32-bit frame counter (see `FrameCounter.reconstruct`).
    ///   - confFCnt: 1.1 only: the counter of the confirmed frame this one acknowledges.
    ///   - txDR, txCh: 1.1 uplinks only: data-rate and channel index the uplink was sent on.
    /// - Throws: `invalidField` when this is not a data frame or its fields do not serialise.
    public func dataMIC(version: MACVersion, keys: SessionKeys, fCnt: UInt32, confFCnt: UInt32 = 0,
                        txDR: UInt8 = 0, txCh: UInt8 = 0) throws(LoRaWANError) -> MIC {
        guard case let .data(mac) = payload, let direction = mhdr.mType.direction else {
            throw .invalidField(name: "MType", reason: "\(mhdr.mType) is not a data frame")
        }
        let message = try bytesWithoutMIC()
        let conf = mac.fhdr.fCtrl.ack ? UInt16(truncatingIfNeeded: confFCnt) : 0
        let addr = mac.fhdr.devAddr.rawValue
        switch (version, direction) {
        case (.lorawan1_0, _):
            let f = try CMACContext(key: keys.nwkSKey)
            return MIC(message.withUnsafeBytes { m in
                FrameCrypto.dataMIC(cmac: f, message: m, direction: direction, devAddr: addr, fCnt: fCnt, confFCnt: 0)
            })
        case (.lorawan1_1, .downlink):
            let s = try CMACContext(key: keys.sNwkSIntKey)
            return MIC(message.withUnsafeBytes { m in
                FrameCrypto.dataMIC(cmac: s, message: m, direction: direction, devAddr: addr, fCnt: fCnt, confFCnt: conf)
            })
        case (.lorawan1_1, .uplink):
            let f = try CMACContext(key: keys.fNwkSIntKey)
            let s = try CMACContext(key: keys.sNwkSIntKey)
            return MIC(message.withUnsafeBytes { m in
                FrameCrypto.uplinkMIC11(fNwkSIntKey: f, sNwkSIntKey: s, message: m, devAddr: addr, fCnt: fCnt,
                                        confFCnt: conf, txDR: txDR, txCh: txCh)
            })
        }
    }

    /// Decrypts (or encrypts: the operation is its own inverse) the FRMPayload with the A_i key
    /// stream (1.0.4 §4.3.3.1, 1.1 §4.3.3). Use AppSKey for FPort > 0, NwkSKey (1.0) or
    /// NwkSEncKey (1.1) for FPort 0.
    /// - Parameter fCnt: the full 32-bit counter (FCntUp, or NFCntDown/AFCntDown on downlinks).
    /// - Returns: the frame with its FRMPayload transformed.
    public func cryptingFRMPayload(key: AES128Key, fCnt: UInt32) throws(LoRaWANError) -> PHYPayload {
        guard case var .data(mac) = payload, let direction = mhdr.mType.direction else {
            throw .invalidField(name: "MType", reason: "\(mhdr.mType) is not a data frame")
        }
        let aes = try AESContext(key: key)
        mac.frmPayload.withUnsafeMutableBytes { d in
            FrameCrypto.applyFRMKeyStream(aes: aes, direction: direction, devAddr: mac.fhdr.devAddr.rawValue, fCnt: fCnt, d)
        }
        var out = self
        out.payload = .data(mac)
        return out
    }

    /// Decrypts (or encrypts) LoRaWAN 1.1 FOpts with NwkSEncKey (1.1 §4.3.1.6 and its errata,
    /// see `FOptsKeyStream`). On a downlink with FPort > 0 the counter is AFCntDown, else
    /// NFCntDown (downlink) or FCntUp (uplink).
    public func cryptingFOpts(nwkSEncKey: AES128Key, fCnt: UInt32, scheme: FOptsKeyStream = .errata) throws(LoRaWANError) -> PHYPayload {
        guard case var .data(mac) = payload, let direction = mhdr.mType.direction else {
            throw .invalidField(name: "MType", reason: "\(mhdr.mType) is not a data frame")
        }
        let aes = try AESContext(key: nwkSEncKey)
        let aFCntDown = direction == .downlink && (mac.fPort ?? 0) > 0
        mac.fhdr.fOpts.withUnsafeMutableBytes { d in
            FrameCrypto.applyFOptsKeyStream(aes: aes, scheme: scheme, direction: direction, aFCntDown: aFCntDown,
                                            devAddr: mac.fhdr.devAddr.rawValue, fCnt: fCnt, d)
        }
        var out = self
        out.payload = .data(mac)
        return out
    }

    // MARK: - Join and rejoin

    /// Join-request MIC: `cmac(NwkKey, MHDR | JoinEUI | DevEUI | DevNonce)[0..3]` (1.1 §6.2.2;
    /// AppKey in 1.0.x, 1.0.4 §6.2.4).
    public func joinRequestMIC(key: AES128Key) throws(LoRaWANError) -> MIC {
        guard case .joinRequest = payload else { throw .invalidField(name: "MType", reason: "\(mhdr.mType) is not a join-request") }
        return try CMACContext(key: key).mic(of: bytesWithoutMIC())
    }

    /// Rejoin-request MIC: `cmac(key, MHDR | RejoinType | … | RJcount)[0..3]` (1.1 §6.2.4.1–3):
    /// SNwkSIntKey for types 0 and 2, JSIntKey for type 1.
    public func rejoinRequestMIC(key: AES128Key) throws(LoRaWANError) -> MIC {
        guard case .rejoinRequest = payload else { throw .invalidField(name: "MType", reason: "\(mhdr.mType) is not a rejoin-request") }
        return try CMACContext(key: key).mic(of: bytesWithoutMIC())
    }

    /// Join-accept MIC over a decrypted join-accept.
    ///
    /// - OptNeg clear (LoRaWAN 1.0.x, 1.0.4 §6.2.5): `cmac(AppKey, MHDR | JoinNonce | NetID |
    ///   DevAddr | DLSettings | RxDelay | CFList)[0..3]`.
    /// - OptNeg set (LoRaWAN 1.1 §6.2.3): `cmac(JSIntKey, JoinReqType | JoinEUI | DevNonce | MHDR |
    ///   JoinNonce | NetID | DevAddr | DLSettings | RxDelay | CFList)[0..3]`; `joinEUI`,
    ///   `devNonce` (the RJcount for a rejoin) and `joinRequestType` are then required.
    /// - Parameter version: forces one form; by default OptNeg decides.
    public func joinAcceptMIC(key: AES128Key, joinRequestType: JoinRequestType = .joinRequest,
                              joinEUI: EUI64? = nil, devNonce: UInt16? = nil,
                              version: MACVersion? = nil) throws(LoRaWANError) -> MIC {
        guard case let .joinAccept(ja) = payload else {
            throw .invalidField(name: "payload", reason: "the join-accept must be decrypted before its MIC is computed")
        }
        var message: [UInt8] = []
        if (version ?? (ja.dlSettings.optNeg ? .lorawan1_1 : .lorawan1_0)) == .lorawan1_1 {
            guard let joinEUI else { throw .missingKey("JoinEUI (needed for a LoRaWAN 1.1 join-accept MIC)") }
            guard let devNonce else { throw .missingKey("DevNonce (needed for a LoRaWAN 1.1 join-accept MIC)") }
            message.append(joinRequestType.rawValue)
            message.appendLE(joinEUI.rawValue, 8)
            message.appendLE(UInt64(devNonce), 2)
        }
        message += try bytesWithoutMIC()
        return try CMACContext(key: key).mic(of: message)
    }

    /// Encrypts a join-accept for sending: `aes128_decrypt(key, payload | MIC)` (1.0.4 §6.2.5,
    /// 1.1 §6.2.3: the network uses the AES *decrypt* operation so that the device only needs
    /// AES encrypt). Key: AppKey (1.0.x), NwkKey (1.1 join-request), JSEncKey (1.1 rejoin).
    /// The MIC must already be set.
    public func encryptingJoinAccept(key: AES128Key) throws(LoRaWANError) -> PHYPayload {
        guard case let .joinAccept(ja) = payload else { throw .invalidField(name: "payload", reason: "not a decrypted join-accept") }
        guard let mic else { throw .invalidField(name: "MIC", reason: "set the join-accept MIC before encrypting") }
        let plain = try ja.serialized() + mic.bytes
        let aes = try AESContext(key: key)
        var cipher: [UInt8] = []
        for start in stride(from: 0, to: plain.count, by: 16) {
            cipher += try aes.decrypt(block: Array(plain[start..<(start + 16)]))
        }
        var out = self
        out.payload = .encryptedJoinAccept(Array(cipher[0..<(cipher.count - 4)]))
        out.mic = try MIC(bytes: cipher[(cipher.count - 4)...])
        return out
    }

    /// Decrypts a received join-accept: `aes128_encrypt(key, ciphertext)` (see `encryptingJoinAccept`).
    /// - Throws: `invalidField` when this is not an encrypted join-accept; `invalidLength` for a
    ///   ciphertext that is not 16 or 32 bytes.
    public func decryptingJoinAccept(key: AES128Key) throws(LoRaWANError) -> PHYPayload {
        guard case let .encryptedJoinAccept(ct) = payload, let mic else {
            throw .invalidField(name: "payload", reason: "not an encrypted join-accept")
        }
        let cipher = ct + mic.bytes
        guard cipher.count == 16 || cipher.count == 32 else {
            throw .invalidLength(what: "encrypted join-accept", expected: cipher.count < 32 ? 16 : 32, actual: cipher.count)
        }
        let aes = try AESContext(key: key)
        var plain: [UInt8] = []
        for start in stride(from: 0, to: cipher.count, by: 16) {
            plain += try aes.encrypt(block: Array(cipher[start..<(start + 16)]))
        }
        var out = self
        out.payload = .joinAccept(try JoinAcceptPayload(bytes: Array(plain[0..<(plain.count - 4)])))
        out.mic = try MIC(bytes: plain[(plain.count - 4)...])
        return out
    }
}

extension PHYPayload {
    /// Checks a data frame's MIC (see `dataMIC` for the parameters).
    /// - Throws: `micMismatch` when it does not verify, or the errors of `dataMIC`.
    public func verifyDataMIC(version: MACVersion, keys: SessionKeys, fCnt: UInt32, confFCnt: UInt32 = 0,
                              txDR: UInt8 = 0, txCh: UInt8 = 0) throws(LoRaWANError) {
        let expected = try dataMIC(version: version, keys: keys, fCnt: fCnt, confFCnt: confFCnt, txDR: txDR, txCh: txCh)
        guard expected == mic else { throw .micMismatch }
    }
}
