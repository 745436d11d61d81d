public import LoRaWAN

/// An end device in software: builds join-requests and data uplinks with real MICs and
/// encryption, and opens what the network sends back. For tests, the simulator and benchmarks.
public struct SimulatedDevice: Sendable {
    public var devEUI: EUI64
    public var joinEUI: EUI64
    public var appKey: AES128Key
    public var nwkKey: AES128Key
    public var version: MACVersion
    public var devNonce: UInt16
    public var devAddr: DevAddr?
    public var keys: SessionKeys?
    /// Counter of the next uplink.
    public var fCntUp: UInt32 = 0
    /// Counter of the last confirmed downlink received (for the 1.1 ACK MIC).
    public var lastConfirmedDownlinkFCnt: UInt32 = 0

    public init(devEUI: EUI64, joinEUI: EUI64 = EUI64(0x70B3_D57E_D000_0000), appKey: AES128Key, nwkKey: AES128Key? = nil,
                version: MACVersion = .lorawan1_0, devNonce: UInt16 = 1) {
        self.devEUI = devEUI
        self.joinEUI = joinEUI
        self.appKey = appKey
        self.nwkKey = nwkKey ?? appKey
        self.version = version
        self.devNonce = devNonce
    }

    /// An ABP device with a fixed session.
    public init(devEUI: EUI64, devAddr: DevAddr, keys: SessionKeys, version: MACVersion = .lorawan1_0) throws {
        self.init(devEUI: devEUI, appKey: keys.appSKey, version: version)
        self.devAddr = devAddr
        self.keys = keys
    }

    /// A join-request with the current DevNonce; the nonce advances for the next one.
    public mutating func joinRequest() throws -> [UInt8] {
        var phy = PHYPayload(mhdr: MHDR(mType: .joinRequest), payload: .joinRequest(JoinRequestPayload(joinEUI: joinEUI, devEUI: devEUI, devNonce: devNonce)), mic: nil)
        phy.mic = try phy.joinRequestMIC(key: version == .lorawan1_1 ? nwkKey : appKey)
        devNonce &+= 1
        return try phy.serialized()
    }

    /// Opens a join-accept: decrypts it, checks its MIC, derives the session keys.
    /// - Throws: `LoRaWANError.micMismatch` when the MIC does not verify.
    @discardableResult
    public mutating func acceptJoin(_ bytes: [UInt8]) throws -> JoinAcceptPayload {
        let usedNonce = devNonce &- 1
        let phy = try PHYPayload(bytes: bytes).decryptingJoinAccept(key: version == .lorawan1_1 ? nwkKey : appKey)
        guard case let .joinAccept(ja) = phy.payload else { throw LoRaWANError.invalidField(name: "payload", reason: "not a join-accept") }
        let expected: MIC
        if version == .lorawan1_1 {
            let js = try JoinServerKeys.derive(nwkKey: nwkKey, devEUI: devEUI)
            expected = try phy.joinAcceptMIC(key: js.jsIntKey, joinRequestType: .joinRequest, joinEUI: joinEUI, devNonce: usedNonce)
            keys = try SessionKeys.derive11(nwkKey: nwkKey, appKey: appKey, joinNonce: ja.joinNonce, joinEUI: joinEUI, devNonce: usedNonce)
        } else {
            expected = try phy.joinAcceptMIC(key: appKey)
            keys = try SessionKeys.derive10(appKey: appKey, joinNonce: ja.joinNonce, netID: ja.homeNetID, devNonce: usedNonce)
        }
        guard expected == phy.mic else { throw LoRaWANError.micMismatch }
        devAddr = ja.devAddr
        fCntUp = 0
        return ja
    }

    /// A data uplink; the counter advances.
    public mutating func dataUplink(fPort: UInt8? = 1, payload: [UInt8] = [], confirmed: Bool = false, adr: Bool = false,
                                    ack: Bool = false, fOpts: [UInt8] = [], txDR: UInt8 = 0, txCh: UInt8 = 0) throws -> [UInt8] {
        guard let devAddr, let keys else { throw LoRaWANError.missingKey("session (join first)") }
        let fCnt = fCntUp
        let fhdr = FHDR(devAddr: devAddr, fCtrl: FCtrl(direction: .uplink, adr: adr, ack: ack), fCnt: UInt16(truncatingIfNeeded: fCnt), fOpts: fOpts)
        var phy = PHYPayload(mhdr: MHDR(mType: confirmed ? .confirmedDataUp : .unconfirmedDataUp),
                             payload: .data(MACPayload(fhdr: fhdr, fPort: fPort, frmPayload: payload)), mic: nil)
        if version == .lorawan1_1, !fOpts.isEmpty { phy = try phy.cryptingFOpts(nwkSEncKey: keys.nwkSEncKey, fCnt: fCnt) }
        if let fPort, !payload.isEmpty { phy = try phy.cryptingFRMPayload(key: fPort == 0 ? keys.nwkSEncKey : keys.appSKey, fCnt: fCnt) }
        phy.mic = try phy.dataMIC(version: version, keys: keys, fCnt: fCnt, confFCnt: ack ? lastConfirmedDownlinkFCnt : 0, txDR: txDR, txCh: txCh)
        fCntUp &+= 1
        return try phy.serialized()
    }

    /// What a downlink carried, decrypted.
    public struct Downlink: Sendable {
        public var mType: MType
        public var fCnt: UInt16
        public var ack: Bool
        public var fPending: Bool
        public var fPort: UInt8?
        public var payload: [UInt8]
        public var macCommands: [MACCommand]
    }

    /// Opens a data downlink: checks the MIC (counter taken from the frame's 16 bits), decrypts.
    /// - Parameter ackedUplinkFCnt: the counter of the confirmed uplink an ACK answers (1.1 MIC
    ///   ConfFCnt); nil means the device's last uplink.
    public mutating func openDownlink(_ bytes: [UInt8], ackedUplinkFCnt: UInt32? = nil) throws -> Downlink {
        guard let keys else { throw LoRaWANError.missingKey("session") }
        var phy = try PHYPayload(bytes: bytes)
        guard let mac = phy.macPayload, phy.mhdr.mType == .unconfirmedDataDown || phy.mhdr.mType == .confirmedDataDown else {
            throw LoRaWANError.invalidField(name: "MType", reason: "not a data downlink")
        }
        let fCnt = UInt32(mac.fhdr.fCnt)
        let confFCnt = mac.fhdr.fCtrl.ack ? (ackedUplinkFCnt ?? (fCntUp &- 1)) : 0
        guard try phy.dataMIC(version: version, keys: keys, fCnt: fCnt, confFCnt: confFCnt) == phy.mic else {
            throw LoRaWANError.micMismatch
        }
        if let port = mac.fPort, !mac.frmPayload.isEmpty {
            phy = try phy.cryptingFRMPayload(key: port == 0 ? keys.nwkSEncKey : keys.appSKey, fCnt: fCnt)
        }
        guard let plain = phy.macPayload else { throw LoRaWANError.invalidField(name: "payload", reason: "lost") }
        let macBytes = plain.fPort == 0 ? plain.frmPayload : plain.fhdr.fOpts
        if phy.mhdr.mType == .confirmedDataDown { lastConfirmedDownlinkFCnt = fCnt }
        return Downlink(mType: phy.mhdr.mType, fCnt: plain.fhdr.fCnt, ack: plain.fhdr.fCtrl.ack, fPending: plain.fhdr.fCtrl.fPending,
                        fPort: plain.fPort, payload: plain.fPort == 0 ? [] : plain.frmPayload,
                        macCommands: try MACCommand.parseAll(macBytes, direction: .downlink))
    }

    /// Wraps PHYPayload bytes as a gateway would report them (EU868 868.1 MHz SF7 by default).
    public static func frame(_ bytes: [UInt8], gateway: EUI64, tmst: UInt32 = 1_000_000, rssi: Int = -60, snr: Double = 8,
                             frequency: UInt32 = 868_100_000, spreadingFactor: Int = 7) -> UplinkFrame {
        UplinkFrame(phyPayload: bytes, txInfo: UplinkTxInfo(frequency: frequency, modulation: .lora(spreadingFactor: spreadingFactor, bandwidth: 125_000, codeRate: "4/5")),
                    rxInfo: UplinkRxInfo(gatewayEUI: gateway, concentratorTimestamp: tmst, rssi: rssi, snr: snr))
    }
}
