import Testing
import LoRaWAN

/// Vectors from the doc examples of chirpstack/chirpstack lrwn/src/phy_payload.rs (PhyPayload).
@Suite struct ChirpStackVectorTests {
    let k0102 = key("0102030405060708090a0b0c0d0e0f10")

    // "Join-request example": JoinEUI 0101…, DevEUI 0202…, DevNonce 771, AppKey 0102…10, MIC 09b97b32.
    // Also brocaar/lorawan phypayload_test.go ExampleNewPHYPayload_joinRequest (same bytes).
    @Test func joinRequest() throws {
        let bytes = h("00" + "0101010101010101" + "0202020202020202" + "0303" + "09b97b32")
        let phy = try PHYPayload(bytes: bytes)
        guard case let .joinRequest(jr) = phy.payload else { Issue.record("not a join-request"); return }
        #expect(jr.joinEUI == eui("0101010101010101"))
        #expect(jr.devEUI == eui("0202020202020202"))
        #expect(jr.devNonce == 771)
        #expect(try phy.joinRequestMIC(key: k0102) == phy.mic)
        #expect(try phy.serialized() == bytes)
    }

    static let joinAccept10 = JoinAcceptPayload(joinNonce: 65793, homeNetID: try! NetID(0x020202), devAddr: DevAddr(0x0102_0304),
                                                dlSettings: DLSettings(), rxDelay: 0)

    // "LoRaWAN 1.0.x Join-accept example": MIC 3449f212, encrypted 2023cf33…f3.
    // Also brocaar/lorawan ExampleNewPHYPayload_joinAcceptSend (same bytes).
    @Test func joinAccept10() throws {
        var phy = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(Self.joinAccept10), mic: nil)
        phy.mic = try phy.joinAcceptMIC(key: k0102)
        #expect(phy.mic?.description == "3449f212")
        let wire = try phy.encryptingJoinAccept(key: k0102).serialized()
        #expect(wire.hexString == "2023cf335489aae3183c0be0baa8dee5f3")
        let back = try PHYPayload(bytes: wire).decryptingJoinAccept(key: k0102)
        #expect(back == phy)
    }

    // "LoRaWAN 1.1.x Join-accept example": OptNeg set, JoinEUI 0807060504030201, DevNonce 258,
    // MIC 93ff9a3a, encrypted 207abeea…15.
    @Test func joinAccept11() throws {
        var ja = Self.joinAccept10
        ja.dlSettings.optNeg = true
        var phy = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(ja), mic: nil)
        phy.mic = try phy.joinAcceptMIC(key: k0102, joinRequestType: .joinRequest, joinEUI: eui("0807060504030201"), devNonce: 258)
        #expect(phy.mic?.description == "93ff9a3a")
        let wire = try phy.encryptingJoinAccept(key: k0102).serialized()
        #expect(wire.hexString == "207abeea06b02920f11c02d0348fcf1815")
        let back = try PHYPayload(bytes: wire).decryptingJoinAccept(key: k0102)
        #expect(back == phy)
        #expect(throws: LoRaWANError.self) { try back.joinAcceptMIC(key: k0102) } // 1.1 form needs JoinEUI
    }

    // "LoRaWAN 1.0.x confirmed uplink example": FOpts DevStatusAns(115, 7), FPort 10, payload
    // 01020304 under AppSKey 100f…01, MIC under NwkSKey 0102…10.
    @Test func confirmedUplink10() throws {
        let bytes = h("80040302010300000673070ae264d4f7e117d2c0")
        let phy = try PHYPayload(bytes: bytes)
        let mac = try #require(phy.macPayload)
        #expect(phy.mhdr.mType == .confirmedDataUp)
        #expect(mac.fhdr.devAddr == DevAddr(0x0102_0304))
        #expect(mac.fhdr.fOpts == [0x06, 0x73, 0x07])
        #expect(mac.fPort == 10)
        let keys = SessionKeys(nwkSKey: k0102, appSKey: key("100f0e0d0c0b0a090807060504030201"))
        #expect(try phy.dataMIC(version: .lorawan1_0, keys: keys, fCnt: 0) == phy.mic)
        #expect(try phy.cryptingFRMPayload(key: keys.appSKey, fCnt: 0).macPayload?.frmPayload == [1, 2, 3, 4])
        #expect(try phy.serialized() == bytes)
    }

    // "LoRaWAN 1.1.x downlink with encrypted f_opts example": FOpts LinkCheckAns(7, 1) encrypted
    // with NwkSEncKey 0101…0200 (errata A block, AFCntDown since FPort 1), MIC under SNwkSIntKey.
    @Test func downlink11EncryptedFOpts() throws {
        let bytes = h("6004030201030000" + "22ac0a" + "01" + "f0b468dd" + "aa5ed13a")
        let phy = try PHYPayload(bytes: bytes)
        let keys = SessionKeys(fNwkSIntKey: key("01010101010101010101010101010100"), sNwkSIntKey: key("01010101010101010101010101010100"),
                               nwkSEncKey: key("01010101010101010101010101010200"), appSKey: key("100f0e0d0c0b0a090807060504030201"))
        #expect(try phy.dataMIC(version: .lorawan1_1, keys: keys, fCnt: 0) == phy.mic)
        let fOpts = try phy.cryptingFOpts(nwkSEncKey: keys.nwkSEncKey, fCnt: 0).macPayload?.fhdr.fOpts
        #expect(fOpts == [0x02, 0x07, 0x01]) // LinkCheckAns CID 0x02, margin 7, GwCnt 1
        #expect(try phy.cryptingFRMPayload(key: keys.appSKey, fCnt: 0).macPayload?.frmPayload == [1, 2, 3, 4])
    }

    // "Proprietary example" and test_proprietary: e0 010203 and a bare e0.
    @Test func proprietary() throws {
        for hex in ["e0010203", "e0"] {
            let phy = try PHYPayload(bytes: h(hex))
            #expect(phy.mhdr.mType == .proprietary)
            #expect(phy.mic == nil)
            #expect(try phy.serialized().hexString == hex)
        }
    }

    // test_non_proprietary: join-request with JoinEUI 0102030405060708, DevEUI 0807060504030201,
    // DevNonce 1024, MIC 01020304.
    @Test func joinRequestLayout() throws {
        let phy = try PHYPayload(bytes: h("00080706050403020101020304050607080004" + "01020304"))
        #expect(phy.payload == .joinRequest(JoinRequestPayload(joinEUI: eui("0102030405060708"), devEUI: eui("0807060504030201"), devNonce: 1024)))
        #expect(phy.mic == MIC(0x0102_0304))
    }
}
