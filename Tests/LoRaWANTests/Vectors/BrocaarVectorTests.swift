import Testing
import LoRaWAN

/// Vectors from brocaar/lorawan phypayload_test.go (ChirpStack v3's LoRaWAN library).
@Suite struct BrocaarVectorTests {
    // TestPHYPayloadData: base64 QAQDAgGAAQABppRkJhXWw7WC; NwkSKey 02…02, AppSKey 01…01, "hello".
    @Test func unconfirmedUplinkHello() throws {
        let phy = try PHYPayload(hex: "400403020180010001a694642615d6c3b582")
        let mac = try #require(phy.macPayload)
        #expect(phy.mhdr.mType == .unconfirmedDataUp)
        #expect(mac.fhdr.devAddr == DevAddr(0x0102_0304))
        #expect(mac.fhdr.fCtrl.adr)
        #expect(mac.fhdr.fCnt == 1)
        #expect(mac.fPort == 1)
        let keys = SessionKeys(nwkSKey: repeated(2), appSKey: repeated(1))
        #expect(try phy.dataMIC(version: .lorawan1_0, keys: keys, fCnt: 1) == phy.mic)
        let plain = try phy.cryptingFRMPayload(key: keys.appSKey, fCnt: 1)
        #expect(plain.macPayload?.frmPayload == Array("hello".utf8))
        #expect(try plain.cryptingFRMPayload(key: keys.appSKey, fCnt: 1) == phy)
    }

    // TestPHYPayloadJoinRequest: base64 AAQDAgEEAwIBBQQDAgUEAwItEGqZDhI=, AppKey 01…01.
    @Test func joinRequest() throws {
        let phy = try PHYPayload(hex: "00040302010403020105040302050403022d106a990e12")
        guard case let .joinRequest(jr) = phy.payload else { Issue.record("not a join-request"); return }
        #expect(jr.joinEUI == eui("0102030401020304"))
        #expect(jr.devEUI == eui("0203040502030405"))
        #expect(jr.devNonce == 0x102D) // brocaar writes {16, 45}: big-endian; wire 2d 10
        #expect(try phy.joinRequestMIC(key: repeated(1)) == phy.mic)
    }

    // TestPHYPayloadJoinAccept: 20493eeb51fba2116f810edb3742975142 under AppKey 0011…ff →
    // AppNonce {87,11,199}, NetID {34,17,1}, DevAddr {2,3,25,128}, MIC {67,72,91,188}.
    @Test func joinAccept() throws {
        let appKey = key("00112233445566778899aabbccddeeff")
        let phy = try PHYPayload(hex: "20493eeb51fba2116f810edb3742975142").decryptingJoinAccept(key: appKey)
        guard case let .joinAccept(ja) = phy.payload else { Issue.record("not decrypted"); return }
        #expect(ja.joinNonce == 0x570BC7) // brocaar writes arrays big-endian (as for DevAddr)
        #expect(ja.homeNetID == (try NetID(0x221101)))
        #expect(ja.devAddr == DevAddr(0x0203_1980))
        #expect(ja.dlSettings == DLSettings())
        #expect(ja.rxDelay == 0)
        #expect(phy.mic == MIC(0x4348_5BBC))
        #expect(try phy.joinAcceptMIC(key: appKey) == phy.mic)
        #expect(try phy.encryptingJoinAccept(key: appKey).serialized().hexString == "20493eeb51fba2116f810edb3742975142")
    }

    // ExampleNewPHYPayload: confirmed uplink, FCnt 0, FPort 10, payload 01020304, NwkSKey 0102…10,
    // AppSKey 100f…01 → [128 4 3 2 1 0 0 0 10 226 100 212 247 181 106 14 117].
    @Test func confirmedUplinkBuilt() throws {
        let keys = SessionKeys(nwkSKey: key("0102030405060708090a0b0c0d0e0f10"), appSKey: key("100f0e0d0c0b0a090807060504030201"))
        var phy = PHYPayload(mhdr: MHDR(mType: .confirmedDataUp),
                             payload: .data(MACPayload(fhdr: FHDR(devAddr: DevAddr(0x0102_0304), fCtrl: FCtrl(direction: .uplink), fCnt: 0),
                                                       fPort: 10, frmPayload: [1, 2, 3, 4])), mic: nil)
        phy = try phy.cryptingFRMPayload(key: keys.appSKey, fCnt: 0)
        phy.mic = try phy.dataMIC(version: .lorawan1_0, keys: keys, fCnt: 0)
        #expect(try phy.serialized() == [128, 4, 3, 2, 1, 0, 0, 0, 10, 226, 100, 212, 247, 181, 106, 14, 117])
    }
}
