import Testing
@testable import LoRaWAN

/// Round-trip properties over generated frames (seeded, so a failure reproduces).
@Suite struct PHYPayloadPropertyTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func parseOfSerialiseIsIdentity(seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        for _ in 0..<2_000 {
            let phy = FrameGenerator.frame(&g)
            let bytes = try phy.serialized()
            let back = try PHYPayload(bytes: bytes)
            #expect(back == phy, "seed \(seed): \(bytes.hexString)")
            #expect(try back.serialized() == bytes)
        }
    }

    @Test func joinAcceptEncryptDecryptRoundTrip() throws {
        var g = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let cf: CFList? = g.bool() ? try CFList(bytes: g.bytes(15) + [UInt8.random(in: 0...1, using: &g)]) : nil
            let ja = JoinAcceptPayload(joinNonce: UInt32.random(in: 0...0xFF_FFFF, using: &g),
                                       homeNetID: try NetID(UInt32.random(in: 0...0xFF_FFFF, using: &g)),
                                       devAddr: DevAddr(UInt32.random(in: 0...UInt32.max, using: &g)),
                                       dlSettings: DLSettings(byte: UInt8.random(in: 0...255, using: &g)),
                                       rxDelay: UInt8.random(in: 0...255, using: &g), cfList: cf)
            let k = g.key()
            var phy = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(ja), mic: nil)
            phy.mic = try phy.joinAcceptMIC(key: k, joinEUI: EUI64(1), devNonce: 1)
            let wire = try phy.encryptingJoinAccept(key: k).serialized()
            #expect(wire.count == (cf == nil ? 17 : 33))
            #expect(try PHYPayload(bytes: wire).decryptingJoinAccept(key: k) == phy)
        }
    }

    @Test func frmPayloadCryptIsAnInvolution() throws {
        var g = SeededGenerator(seed: 11)
        for _ in 0..<300 {
            let phy = FrameGenerator.frame(&g)
            guard phy.mhdr.mType.isData else { continue }
            let k = g.key()
            let fCnt = UInt32.random(in: 0...UInt32.max, using: &g)
            let once = try phy.cryptingFRMPayload(key: k, fCnt: fCnt)
            #expect(try once.cryptingFRMPayload(key: k, fCnt: fCnt) == phy)
            let f = try phy.cryptingFOpts(nwkSEncKey: k, fCnt: fCnt)
            #expect(try f.cryptingFOpts(nwkSEncKey: k, fCnt: fCnt) == phy)
        }
    }

    /// The allocation-free `SessionCrypto` path agrees with the `PHYPayload` API on every frame.
    @Test(arguments: MACVersion.allCases)
    func sessionCryptoMatchesPHYPayloadAPI(version: MACVersion) throws {
        var g = SeededGenerator(seed: 99)
        let keys = SessionKeys(fNwkSIntKey: g.key(), sNwkSIntKey: g.key(), nwkSEncKey: g.key(), appSKey: g.key())
        let crypto = try SessionCrypto(version: version, keys: keys)
        var scratch = [UInt8](repeating: 0, count: 256)
        for _ in 0..<500 {
            var phy = FrameGenerator.frame(&g)
            guard let mac = phy.macPayload else { continue }
            let fCnt = UInt32(g.next() >> 40) << 16 | UInt32(mac.fhdr.fCnt)
            let conf = UInt32.random(in: 0...UInt32.max, using: &g)
            let dr = UInt8.random(in: 0...15, using: &g), ch = UInt8.random(in: 0...255, using: &g)
            phy.mic = try phy.dataMIC(version: version, keys: keys, fCnt: fCnt, confFCnt: conf, txDR: dr, txCh: ch)
            let bytes = try phy.serialized()
            let frmKey = mac.fPort == 0 ? keys.nwkSEncKey : keys.appSKey
            let expectedPlain = try phy.cryptingFRMPayload(key: frmKey, fCnt: fCnt).macPayload!.frmPayload
            try bytes.withUnsafeBytes { b in
                let layout = try DataFrameLayout(b)
                #expect(crypto.verifyMIC(b, layout: layout, fCnt: fCnt, confFCnt: conf, txDR: dr, txCh: ch))
                #expect(!crypto.verifyMIC(b, layout: layout, fCnt: fCnt &+ 0x1_0000, confFCnt: conf, txDR: dr, txCh: ch))
                let n = scratch.withUnsafeMutableBytes { crypto.decryptFRMPayload(b, layout: layout, fCnt: fCnt, into: $0) }
                #expect(Array(scratch[0..<n]) == expectedPlain)
            }
            try phy.verifyDataMIC(version: version, keys: keys, fCnt: fCnt, confFCnt: conf, txDR: dr, txCh: ch)
        }
    }
}
