import Testing
@testable import LoRaWAN

/// Truncated and corrupted frames give typed errors, never traps.
@Suite struct CorruptInputTests {
    /// Published frames (see the Vectors suites for their sources) with the keys that verify them.
    static let dataFrames: [(hex: String, nwkSKey: String, fCnt: UInt32)] = [
        ("400403020180010001a694642615d6c3b582", "02020202020202020202020202020202", 1), // brocaar/lorawan
        ("80040302010300000673070ae264d4f7e117d2c0", "0102030405060708090a0b0c0d0e0f10", 0), // chirpstack lrwn
    ]
    static let fixedSizeFrames = [
        "00040302010403020105040302050403022d106a990e12", // brocaar join-request
        "20493eeb51fba2116f810edb3742975142", // brocaar join-accept
        "207abeea06b02920f11c02d0348fcf1815", // chirpstack 1.1 join-accept
    ]

    @Test func everyTruncationOfAFixedSizeFrameIsAnError() throws {
        for hex in Self.fixedSizeFrames {
            let full = h(hex)
            for n in 0..<full.count {
                #expect(throws: LoRaWANError.self, "\(hex) cut to \(n)") { try PHYPayload(bytes: Array(full[0..<n])) }
            }
        }
    }

    /// A truncated data frame either fails to parse or fails its MIC check.
    @Test func everyTruncationOfADataFrameIsAnError() throws {
        for v in Self.dataFrames {
            let full = h(v.hex)
            let keys = SessionKeys(nwkSKey: key(v.nwkSKey), appSKey: key(v.nwkSKey))
            try PHYPayload(bytes: full).verifyDataMIC(version: .lorawan1_0, keys: keys, fCnt: v.fCnt)
            for n in 0..<full.count {
                #expect(throws: LoRaWANError.self, "\(v.hex) cut to \(n)") {
                    try PHYPayload(bytes: Array(full[0..<n])).verifyDataMIC(version: .lorawan1_0, keys: keys, fCnt: v.fCnt)
                }
                let prefix = Array(full[0..<n])
                #expect(throws: LoRaWANError.self) { try prefix.withUnsafeBytes { b in
                    let layout = try DataFrameLayout(b)
                    let crypto = try SessionCrypto(version: .lorawan1_0, keys: keys)
                    if !crypto.verifyMIC(b, layout: layout, fCnt: v.fCnt) { throw LoRaWANError.micMismatch }
                } }
            }
        }
    }

    @Test func namedErrors() {
        #expect(throws: LoRaWANError.tooShort(what: "PHYPayload", minimum: 1, actual: 0)) { try PHYPayload(bytes: []) }
        #expect(throws: LoRaWANError.unsupportedMajor(1)) { try PHYPayload(bytes: h("41040302018001000100000000")) }
        // FOptsLen 5 but only 1 byte before the MIC.
        #expect(throws: LoRaWANError.invalidFOptsLength(fOptsLen: 5, available: 1)) { try PHYPayload(bytes: h("4004030201050100" + "aa" + "00000000")) }
        // FOpts and FPort 0 together.
        #expect(throws: LoRaWANError.macCommandsInFOptsAndPayload) { try PHYPayload(bytes: h("4004030201010100" + "02" + "00" + "00000000")) }
        #expect(throws: LoRaWANError.invalidField(name: "RejoinType", reason: "3 is not 0, 1 or 2")) {
            try PHYPayload(bytes: h("c003" + "030201" + "0807060504030201" + "0201" + "00000000"))
        }
        #expect(throws: LoRaWANError.tooLong(what: "PHYPayload", maximum: 255, actual: 256)) {
            try PHYPayload(bytes: [0x40] + [UInt8](repeating: 0, count: 255))
        }
        #expect(throws: LoRaWANError.micMismatch) {
            try PHYPayload(hex: "400403020180010001a694642615d6c3b583")
                .verifyDataMIC(version: .lorawan1_0, keys: SessionKeys(nwkSKey: repeated(2), appSKey: repeated(1)), fCnt: 1)
        }
    }

    /// Random bytes and bit-flipped frames: the parsers return or throw, nothing traps.
    @Test func randomAndMutatedInputsNeverTrap() throws {
        var g = SeededGenerator(seed: 2024)
        var parsed = 0
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = g.bytes(Int.random(in: 0...64, using: &g))
            } else {
                bytes = try FrameGenerator.frame(&g).serialized()
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &g)] ^= UInt8.random(in: 1...255, using: &g) }
            }
            if let phy = try? PHYPayload(bytes: bytes) {
                parsed += 1
                _ = try? phy.serialized()
                _ = try? phy.macPayload?.macCommands()
                _ = try? phy.decryptingJoinAccept(key: repeated(1))
            }
            _ = try? bytes.withUnsafeBytes { try DataFrameLayout($0) }
            _ = try? FrameInspector.inspect(bytes: bytes, keys: {
                var k = FrameInspector.Keys(); k.nwkSKey = repeated(1); k.appSKey = repeated(2); k.appKey = repeated(3); return k
            }())
        }
        #expect(parsed > 1_000) // the mutated half mostly still parses, so the deeper paths ran
    }
}
