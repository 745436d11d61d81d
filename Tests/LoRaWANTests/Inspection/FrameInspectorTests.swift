import Testing
@testable import LoRaWAN

@Suite struct FrameInspectorTests {
    // brocaar/lorawan phypayload_test.go TestPHYPayloadData.
    let hello = "400403020180010001a694642615d6c3b582"

    @Test func withoutKeysTheReportSaysWhatIsMissing() throws {
        let r = try FrameInspector.inspect(hex: hello)
        #expect(r.micValid == nil)
        #expect(r.micNote == "MIC needs --nwk-s-key")
        #expect(r.data?.frmPayloadDecrypted == nil)
        #expect(r.data?.fCtrl == .init(adr: true, adrAckReq: false, rfu: nil, ack: false, classB: false, fPending: nil, fOptsLen: 0))
    }

    @Test func fCntMSBEntersTheMIC() throws {
        var keys = FrameInspector.Keys()
        keys.nwkSKey = repeated(2)
        var context = FrameInspector.Context()
        context.fCntMSB = 1
        let r = try FrameInspector.inspect(hex: hello, keys: keys, context: context)
        #expect(r.data?.fCnt32 == 0x1_0001)
        #expect(r.micValid == false)
    }

    @Test func lorawan11JoinAcceptVerifiesWithJSIntKey() throws {
        let nwkKey = key("0102030405060708090a0b0c0d0e0f10")
        let devEUI = eui("0004a30b001c0530"), joinEUI = eui("70b3d57ed0000001")
        let js = try JoinServerKeys.derive(nwkKey: nwkKey, devEUI: devEUI)
        let ja = JoinAcceptPayload(joinNonce: 7, homeNetID: try NetID(0x13), devAddr: DevAddr(0x2601_1BDA),
                                   dlSettings: DLSettings(optNeg: true, rx1DROffset: 1, rx2DataRate: 3), rxDelay: 1,
                                   cfList: try CFList(frequencies: [867_100_000, 867_300_000]))
        var phy = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(ja), mic: nil)
        phy.mic = try phy.joinAcceptMIC(key: js.jsIntKey, joinEUI: joinEUI, devNonce: 42)
        let wire = try phy.encryptingJoinAccept(key: nwkKey).serialized()
        var keys = FrameInspector.Keys()
        keys.nwkKey = nwkKey
        keys.devEUI = devEUI
        keys.joinEUI = joinEUI
        keys.devNonce = 42
        var context = FrameInspector.Context()
        context.version = .lorawan1_1
        let r = try FrameInspector.inspect(bytes: wire, keys: keys, context: context)
        #expect(r.micValid == true)
        #expect(r.joinAccept?.cfList?.frequencies == [867_100_000, 867_300_000, 0, 0, 0])
        #expect(r.joinAccept?.dlSettings == .init(optNeg: true, rx1DROffset: 1, rx2DataRate: 3))
        keys.devNonce = 43
        #expect(try FrameInspector.inspect(bytes: wire, keys: keys, context: context).micValid == false)
    }

    @Test func encryptedJoinAcceptWithoutKey() throws {
        let r = try FrameInspector.inspect(hex: "20493eeb51fba2116f810edb3742975142")
        #expect(r.joinAccept?.decrypted == false)
        #expect(r.joinAccept?.encryptedPayload == "493eeb51fba2116f810edb37")
    }

    @Test func cfListType1ChannelMasks() throws {
        let cf = try CFList(channelMasks: [0x00FF, 0x0000, 0x0000, 0x0000, 0x0001])
        #expect(cf.type == 1)
        #expect(cf.channelMasks == [0x00FF, 0, 0, 0, 1])
        #expect(cf.frequencies == nil)
        #expect(throws: LoRaWANError.self) { try CFList(frequencies: [868_100_050]) }
    }

    @Test func macVersionParsing() throws {
        for t in ["1.0", "1.0.0", "1.0.3", "1.0.4", "LoRaWAN 1.0.2"] { #expect(try MACVersion(parsing: t) == .lorawan1_0) }
        for t in ["1.1", "1.1.0"] { #expect(try MACVersion(parsing: t) == .lorawan1_1) }
        #expect(throws: LoRaWANError.self) { try MACVersion(parsing: "1.2") }
    }
}
