import Testing
@testable import LoRaWAN

/// AES-128 and AES-CMAC primitives against their defining documents.
@Suite struct AESCMACVectorTests {
    struct CMACVector: Sendable, CustomTestStringConvertible {
        let name: String, message: String, tag: String
        var testDescription: String { name }
    }

    // RFC 4493 §4 "Test Vectors", K = 2b7e151628aed2a6abf7158809cf4f3c, examples 1–4.
    static let rfc4493: [CMACVector] = [
        .init(name: "RFC 4493 example 1 (len 0)", message: "", tag: "bb1d6929e95937287fa37d129b756746"),
        .init(name: "RFC 4493 example 2 (len 16)", message: "6bc1bee22e409f96e93d7e117393172a", tag: "070a16b46b4d4144f79bdd9dd04a287c"),
        .init(name: "RFC 4493 example 3 (len 40)",
              message: "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411",
              tag: "dfa66747de9ae63030ca32611497c827"),
        .init(name: "RFC 4493 example 4 (len 64)",
              message: "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
              tag: "51f0bebf7e3b9d92fc49741779363cfe"),
    ]

    @Test(arguments: rfc4493)
    func cmac(_ v: CMACVector) throws {
        let ctx = try CMACContext(key: key("2b7e151628aed2a6abf7158809cf4f3c"))
        #expect(ctx.tag(of: h(v.message)).hexString == v.tag)
        // The context is reused: a second computation on the same context gives the same tag.
        #expect(ctx.tag(of: h(v.message)).hexString == v.tag)
        #expect(ctx.mic(of: h(v.message)).description == String(v.tag.prefix(8)))
    }

    @Test func cmacSplitInputMatchesWhole() throws {
        // RFC 4493 §4 example 3, fed as B0-style two parts (16 + 24 bytes).
        let ctx = try CMACContext(key: key("2b7e151628aed2a6abf7158809cf4f3c"))
        let m = h("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411")
        let mic = m.withUnsafeBytes { b in
            ctx.mic(UnsafeRawBufferPointer(rebasing: b[0..<16]), UnsafeRawBufferPointer(rebasing: b[16...]))
        }
        #expect(MIC(mic).description == "dfa66747")
    }

    // FIPS-197 Appendix C.1 (AES-128): key 000102…0f, plaintext 00112233…ff.
    @Test func fips197AppendixC1() throws {
        let aes = try AESContext(key: key("000102030405060708090a0b0c0d0e0f"))
        #expect(try aes.encrypt(block: h("00112233445566778899aabbccddeeff")).hexString == "69c4e0d86a7b0430d8cdb78070b4c55a")
        #expect(try aes.decrypt(block: h("69c4e0d86a7b0430d8cdb78070b4c55a")).hexString == "00112233445566778899aabbccddeeff")
    }

    // FIPS-197 Appendix B (cipher example): key 2b7e1516…, input 3243f6a8….
    @Test func fips197AppendixB() throws {
        let aes = try AESContext(key: key("2b7e151628aed2a6abf7158809cf4f3c"))
        #expect(try aes.encrypt(block: h("3243f6a8885a308d313198a2e0370734")).hexString == "3925841d02dc09fbdc118597196a0b32")
    }
}
