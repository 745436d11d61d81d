/// The byte-level cores of LoRaWAN frame cryptography, shared by the `PHYPayload` API and the
/// allocation-free `SessionCrypto` hot path. Everything works on caller buffers and 16-byte
/// stack blocks.
enum FrameCrypto {
    typealias Block = (UInt64, UInt64)

    /// Fills a B0/B1 MIC block (LoRaWAN 1.1 §4.4):
    /// `0x49 | ConfFCnt(2) | TxDr | TxCh | Dir | DevAddr(4) | FCnt(4) | 0x00 | len(msg)`.
    /// In LoRaWAN 1.0.x B0 has zeros where ConfFCnt, TxDr and TxCh are.
    @inline(__always)
    static func micBlock(_ p: UnsafeMutableRawBufferPointer, confFCnt: UInt16, txDR: UInt8, txCh: UInt8,
                         direction: Direction, devAddr: UInt32, fCnt: UInt32, length: Int) {
        p[0] = 0x49
        p[1] = UInt8(truncatingIfNeeded: confFCnt)
        p[2] = UInt8(truncatingIfNeeded: confFCnt >> 8)
        p[3] = txDR
        p[4] = txCh
        p[5] = direction == .uplink ? 0 : 1
        writeLE32(p, 6, devAddr)
        writeLE32(p, 10, fCnt)
        p[14] = 0
        p[15] = UInt8(truncatingIfNeeded: length)
    }

    @inline(__always)
    static func writeLE32(_ p: UnsafeMutableRawBufferPointer, _ at: Int, _ v: UInt32) {
        p[at] = UInt8(truncatingIfNeeded: v)
        p[at + 1] = UInt8(truncatingIfNeeded: v >> 8)
        p[at + 2] = UInt8(truncatingIfNeeded: v >> 16)
        p[at + 3] = UInt8(truncatingIfNeeded: v >> 24)
    }

    /// LoRaWAN 1.0.x data MIC, both directions: `cmac(NwkSKey, B0 | msg)[0..3]` (1.0.4 §4.4).
    /// For LoRaWAN 1.1 downlinks the same formula with ConfFCnt in B0 and SNwkSIntKey (1.1 §4.4.1).
    @inline(__always)
    static func dataMIC(cmac: CMACContext, message: UnsafeRawBufferPointer, direction: Direction,
                        devAddr: UInt32, fCnt: UInt32, confFCnt: UInt16) -> UInt32 {
        withMICInput(message) { input in
            micBlock(input, confFCnt: confFCnt, txDR: 0, txCh: 0, direction: direction, devAddr: devAddr,
                     fCnt: fCnt, length: message.count)
            return cmac.mic(UnsafeRawBufferPointer(input))
        }
    }

    /// LoRaWAN 1.1 uplink MIC (1.1 §4.4.2): `cmacS = cmac(SNwkSIntKey, B1 | msg)`,
    /// `cmacF = cmac(FNwkSIntKey, B0 | msg)`, `MIC = cmacS[0..1] | cmacF[0..1]`.
    /// ConfFCnt is forced to 0 unless the ACK bit is set, as the spec requires.
    @inline(__always)
    static func uplinkMIC11(fNwkSIntKey: CMACContext, sNwkSIntKey: CMACContext, message: UnsafeRawBufferPointer,
                            devAddr: UInt32, fCnt: UInt32, confFCnt: UInt16, txDR: UInt8, txCh: UInt8) -> UInt32 {
        withMICInput(message) { input in
            micBlock(input, confFCnt: 0, txDR: 0, txCh: 0, direction: .uplink, devAddr: devAddr, fCnt: fCnt, length: message.count)
            let cmacF = fNwkSIntKey.mic(UnsafeRawBufferPointer(input))
            micBlock(input, confFCnt: confFCnt, txDR: txDR, txCh: txCh, direction: .uplink, devAddr: devAddr, fCnt: fCnt, length: message.count)
            let cmacS = sNwkSIntKey.mic(UnsafeRawBufferPointer(input))
            return (cmacS & 0xFFFF_0000) | (cmacF >> 16)
        }
    }

    /// Runs `body` with a stack buffer holding 16 free bytes (for B0/B1) followed by `message`, so
    /// the CMAC sees one contiguous input: one `EVP_MAC_update` instead of two, and no heap use
    /// (messages are at most 255 bytes).
    @inline(__always)
    static func withMICInput<R>(_ message: UnsafeRawBufferPointer, _ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: 16 + message.count, alignment: 16) { input in
            if message.count > 0 {
                UnsafeMutableRawBufferPointer(rebasing: input[16...]).copyMemory(from: message)
            }
            return body(input)
        }
    }

    /// XORs `data` in place with the FRMPayload key stream S = aes(K, A_1) | aes(K, A_2) | …
    /// where `A_i = 0x01 | 4×0x00 | Dir | DevAddr | FCnt(4) | 0x00 | i` (1.0.4 §4.3.3.1, 1.1 §4.3.3).
    /// Encryption and decryption are the same operation. `data.count` ≤ 255 keeps i in a byte.
    @inline(__always)
    static func applyFRMKeyStream(aes: AESContext, direction: Direction, devAddr: UInt32, fCnt: UInt32,
                                  _ data: UnsafeMutableRawBufferPointer) {
        var a: Block = (0, 0)
        var s: Block = (0, 0)
        withUnsafeMutableBytes(of: &a) { a in
            withUnsafeMutableBytes(of: &s) { s in
                a[0] = 0x01
                a[5] = direction == .uplink ? 0 : 1
                writeLE32(a, 6, devAddr)
                writeLE32(a, 10, fCnt)
                var offset = 0
                var i: UInt8 = 1
                while offset < data.count {
                    a[15] = i
                    aes.encryptBlock(a.baseAddress!, into: s.baseAddress!)
                    let n = min(16, data.count - offset)
                    for j in 0..<n { data[offset + j] ^= s[j] }
                    offset += n
                    i &+= 1
                }
            }
        }
    }

    /// XORs FOpts (≤ 15 bytes) in place with the LoRaWAN 1.1 FOpts key stream (see `FOptsKeyStream`).
    /// `aFCntDown` says whether the counter is AFCntDown (downlink with FPort > 0).
    static func applyFOptsKeyStream(aes: AESContext, scheme: FOptsKeyStream, direction: Direction, aFCntDown: Bool,
                                    devAddr: UInt32, fCnt: UInt32, _ data: UnsafeMutableRawBufferPointer) {
        var a: Block = (0, 0)
        var s: Block = (0, 0)
        withUnsafeMutableBytes(of: &a) { a in
            withUnsafeMutableBytes(of: &s) { s in
                a[0] = 0x01
                if scheme == .errata { a[4] = aFCntDown ? 0x02 : 0x01 }
                a[5] = direction == .uplink ? 0 : 1
                writeLE32(a, 6, devAddr)
                writeLE32(a, 10, fCnt)
                a[15] = scheme == .errata ? 0x01 : 0x00
                aes.encryptBlock(a.baseAddress!, into: s.baseAddress!)
                for j in 0..<min(16, data.count) { data[j] ^= s[j] }
            }
        }
    }
}
