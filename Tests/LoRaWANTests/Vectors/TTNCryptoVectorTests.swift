import Testing
@testable import LoRaWAN

/// Vectors from TheThingsNetwork/lorawan-stack pkg/crypto (data_messages_test.go and
/// join_messages_test.go). TTN's DevAddr {1,2,3,4} is big-endian, i.e. DevAddr 0x01020304.
@Suite struct TTNCryptoVectorTests {
    let k = repeated(0x01)
    let addr = DevAddr(0x0102_0304)

    func keyStream(_ data: String, _ dir: Direction, fOpts: Bool) throws -> String {
        var d = h(data)
        let aes = try AESContext(key: k)
        d.withUnsafeMutableBytes { b in
            if fOpts {
                FrameCrypto.applyFOptsKeyStream(aes: aes, scheme: .original, direction: dir, aFCntDown: false,
                                                devAddr: addr.rawValue, fCnt: 1, b)
            } else {
                FrameCrypto.applyFRMKeyStream(aes: aes, direction: dir, devAddr: addr.rawValue, fCnt: 1, b)
            }
        }
        return d.hexString
    }

    // data_messages_test.go TestUplinkDownlinkEncryption: FRMPayload, FCnt 1.
    @Test func frmPayloadUplink() throws {
        #expect(try keyStream("01020304", .uplink, fOpts: false) == "cff30b4e")
        #expect(try keyStream("cff30b4e", .uplink, fOpts: false) == "01020304")
    }

    @Test func frmPayloadDownlink() throws {
        #expect(try keyStream("01020304", .downlink, fOpts: false) == "4e75f440")
        #expect(try keyStream("4e75f440", .downlink, fOpts: false) == "01020304")
    }

    // data_messages_test.go TestUplinkDownlinkEncryption: FOpts. TTN builds A with the published
    // LoRaWAN 1.1 layout (byte 15 = 0x00, no counter constant), i.e. FOptsKeyStream.original.
    @Test func fOptsUplinkOriginal11() throws {
        #expect(try keyStream("01020304", .uplink, fOpts: true) == "33c92622")
    }

    @Test func fOptsDownlinkOriginal11() throws {
        #expect(try keyStream("01020304", .downlink, fOpts: true) == "ca6fdaba")
    }

    // data_messages_test.go TestUplinkDownlinkMIC: unconfirmed uplink 40|04030201|00|0100|01|01020304.
    static let micPayload = "400403020100010001" + "01020304"

    @Test func legacyUplinkMIC() throws {
        let phy = try PHYPayload(bytes: h(Self.micPayload) + [0, 0, 0, 0])
        #expect(try phy.dataMIC(version: .lorawan1_0, keys: SessionKeys(nwkSKey: k, appSKey: k), fCnt: 1).description == "3b073182")
    }

    @Test func lorawan11UplinkMIC() throws {
        // ComputeUplinkMIC(key, key, confFCnt 0, txDR 0, txCh 0, …) = 3B073B07.
        let phy = try PHYPayload(bytes: h(Self.micPayload) + [0, 0, 0, 0])
        let keys = SessionKeys(fNwkSIntKey: k, sNwkSIntKey: k, nwkSEncKey: k, appSKey: k)
        #expect(try phy.dataMIC(version: .lorawan1_1, keys: keys, fCnt: 1).description == "3b073b07")
    }

    @Test func legacyAndLoRaWAN11DownlinkMIC() throws {
        // ComputeLegacyDownlinkMIC and ComputeDownlinkMIC(confFCnt 0) over the same bytes
        // (TTN feeds the uplink bytes with Dir = 1): both A5609FA9.
        let msg = h(Self.micPayload)
        let ctx = try CMACContext(key: k)
        let mic = msg.withUnsafeBytes { m in
            FrameCrypto.dataMIC(cmac: ctx, message: m, direction: .downlink, devAddr: addr.rawValue, fCnt: 1, confFCnt: 0)
        }
        #expect(MIC(mic).description == "a5609fa9")
    }

    // join_messages_test.go TestJoinAcceptEncryption.
    @Test func joinAcceptEncryption() throws {
        let plain = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(try JoinAcceptPayload(bytes: h("030201030201040302010001"))),
                               mic: MIC(0x32F5_4AB3))
        let enc = try plain.encryptingJoinAccept(key: k)
        #expect(try enc.serialized().hexString == "20" + "c9fbb259e11649096a568a9e3b7117c3")
        #expect(try enc.decryptingJoinAccept(key: k) == plain)
    }

    // join_messages_test.go TestComputeJoinRequestMIC.
    @Test func joinRequestMIC() throws {
        let phy = try PHYPayload(bytes: h("00" + "0807060504030201" + "0807060504030201" + "0201" + "00000000"))
        #expect(try phy.joinRequestMIC(key: k).description == "e6e10c55")
    }

    // join_messages_test.go TestComputeRejoinRequestMIC, types 0, 1 and 2.
    @Test(arguments: [
        ("c0" + "00" + "030201" + "0807060504030201" + "0201", "11da47bd"),
        ("c0" + "01" + "0807060504030201" + "0807060504030201" + "0201", "67f9abe7"),
        ("c0" + "02" + "030201" + "0807060504030201" + "0201", "2b459cf0"),
    ])
    func rejoinRequestMIC(_ frame: String, _ mic: String) throws {
        let phy = try PHYPayload(bytes: h(frame + "00000000"))
        #expect(try phy.rejoinRequestMIC(key: k).description == mic)
    }

    // join_messages_test.go TestComputeLegacyJoinAcceptMIC and TestComputeJoinAcceptMIC
    // (JoinReqType 0xFF, JoinEUI 0807060504030201, DevNonce 0x0201).
    @Test func joinAcceptMICs() throws {
        let phy = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(try JoinAcceptPayload(bytes: h("030201030201040302010001"))), mic: nil)
        #expect(try phy.joinAcceptMIC(key: k).description == "32f54ab3")
        #expect(try phy.joinAcceptMIC(key: k, joinRequestType: .joinRequest, joinEUI: eui("0807060504030201"),
                                      devNonce: 0x0201, version: .lorawan1_1).description == "48e9be5f")
    }
}
