import Testing
import LoRaWAN

/// Session and join-server key derivation.
///
/// Source: TheThingsNetwork/lorawan-stack, pkg/crypto/key_derivation_test.go (TestKeyDerivation).
/// Inputs there are byte arrays in written (big-endian) order: DevNonce {0x73,0x69} = 0x7369,
/// NetID {02,01,01} = 0x020101, JoinNonce {AE,3B,1C} = 0xAE3B1C.
@Suite struct KeyDerivationVectorTests {
    let k = key("BEC499C69E9C939E413B663961636C61")
    let joinEUI = eui("0000001223224242")
    let devEUI = eui("0042004213424341")

    @Test func lorawan11SessionKeys() throws {
        let keys = try SessionKeys.derive11(nwkKey: k, appKey: k, joinNonce: 0xAE3B1C, joinEUI: joinEUI, devNonce: 0x7369)
        #expect(keys.appSKey == key("B035CCE24E4A040EB5CECBF21724412D"))
        #expect(keys.fNwkSIntKey == key("379084E7CE22FF191BFF4B77536F2AA3"))
        #expect(keys.sNwkSIntKey == key("63C59309D53485BC5164DBF71627AEB9"))
        #expect(keys.nwkSEncKey == key("CE07A009A3970AC0519A099ED53E550B"))
    }

    @Test func lorawan10SessionKeys() throws {
        let keys = try SessionKeys.derive10(appKey: k, joinNonce: 0xAE3B1C, netID: NetID(0x020101), devNonce: 0x7369)
        #expect(keys.appSKey == key("8C1E0543A229088DE6F84E74BB46BD62"))
        #expect(keys.nwkSKey == key("0DB924EE6AF90698E05FC7CE48303C01"))
    }

    @Test func joinServerKeys() throws {
        let js = try JoinServerKeys.derive(nwkKey: k, devEUI: devEUI)
        #expect(js.jsIntKey == key("CB8E9EE114C3FB5CE472A5AA13AB1855"))
        #expect(js.jsEncKey == key("BB711EEFB9829B4A75866F8616BACD6D"))
    }

    @Test func joinNonceMustFit24Bits() {
        #expect(throws: LoRaWANError.self) {
            try SessionKeys.derive10(appKey: k, joinNonce: 0x100_0000, netID: NetID(1), devNonce: 0)
        }
    }
}
