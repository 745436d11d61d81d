import Testing
import LoRaWAN
@testable import Registry

@Suite struct KeyEncryptionKeyTests {
    // RFC 3394 §4.1–4.6 test vectors (KEK, key data, ciphertext).
    @Test(arguments: [
        ("000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"), // §4.1
        ("000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF", "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"), // §4.2
        ("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF", "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"), // §4.3
        ("000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF0001020304050607", "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"), // §4.4
        ("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF0001020304050607", "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1"), // §4.5
        ("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F", "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"), // §4.6
    ])
    func rfc3394Vectors(kek: String, keyData: String, ciphertext: String) throws {
        let k = try KeyEncryptionKey(hex: kek)
        let wrapped = try k.wrap(try [UInt8](hex: keyData))
        #expect(wrapped == (try [UInt8](hex: ciphertext)))
        #expect(try k.unwrap(wrapped) == (try [UInt8](hex: keyData)))
    }

    @Test func unwrapRefusesAlteredDataAndWrongKey() throws {
        let k = try KeyEncryptionKey(hex: "000102030405060708090A0B0C0D0E0F")
        var wrapped = try k.wrap(try [UInt8](hex: "00112233445566778899AABBCCDDEEFF"))
        let other = try KeyEncryptionKey(hex: "0F0E0D0C0B0A09080706050403020100")
        #expect(throws: RegistryError.self) { try other.unwrap(wrapped) }
        wrapped[5] ^= 1
        #expect(throws: RegistryError.self) { try k.unwrap(wrapped) }
        #expect(throws: RegistryError.self) { try k.unwrap([1, 2, 3]) }
        #expect(throws: RegistryError.self) { try k.wrap([1, 2, 3]) }
        #expect(throws: RegistryError.self) { try KeyEncryptionKey(hex: "00") }
        #expect(throws: RegistryError.self) { try KeyEncryptionKey(hex: "zz") }
        #expect(!"\(k)".contains("0001"))
    }
}
