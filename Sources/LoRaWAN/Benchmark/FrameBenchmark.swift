import COpenSSL

/// The work loops behind `lorikeet bench lorawan`. The module does no timing (it reads no
/// clock); the command times these calls.
///
/// - `verifyAndDecrypt` is the network server's per-frame crypto path: locate the fields
///   (`DataFrameLayout`), verify the MIC with the session's `SessionCrypto`, decrypt the
///   FRMPayload into a reused buffer. It allocates nothing per frame.
/// - `rawCMAC` is the baseline: OpenSSL's AES-CMAC (`EVP_MAC`, key fixed, context restarted)
///   over the same bytes the MIC covers (B0 | MHDR…FRMPayload), once per frame, and nothing else.
public final class FrameBenchmark {
    /// The frames (serialised, with valid MICs) the loops cycle through.
    public let frames: [[UInt8]]
    /// Their 32-bit counters.
    public let fCnts: [UInt32]
    public let version: MACVersion
    private let crypto: SessionCrypto
    private let rawContext: OpaquePointer
    private let rawMAC: OpaquePointer
    private var scratch: [UInt8]
    /// The B0-prefixed messages the raw baseline authenticates, and the same concatenated.
    private let rawMessages: [[UInt8]]
    private let rawBuffer: [UInt8]

    /// Builds `distinct` unconfirmed uplinks with `payloadSize`-byte FRMPayloads on FPort 1,
    /// counters 0x0001_0000 + i, under fixed session keys.
    public init(version: MACVersion, payloadSize: Int, distinct: Int = 64) throws(LoRaWANError) {
        guard (0...222).contains(payloadSize) else { throw .invalidField(name: "payload size", reason: "\(payloadSize) is not 0…222") }
        self.version = version
        let keys = SessionKeys(fNwkSIntKey: try AES128Key(hex: "000102030405060708090a0b0c0d0e0f"),
                               sNwkSIntKey: try AES128Key(hex: "101112131415161718191a1b1c1d1e1f"),
                               nwkSEncKey: try AES128Key(hex: "202122232425262728292a2b2c2d2e2f"),
                               appSKey: try AES128Key(hex: "303132333435363738393a3b3c3d3e3f"))
        let effective = version == .lorawan1_0 ? SessionKeys(nwkSKey: keys.fNwkSIntKey, appSKey: keys.appSKey) : keys
        crypto = try SessionCrypto(version: version, keys: effective)
        var frames: [[UInt8]] = [], fCnts: [UInt32] = [], raw: [[UInt8]] = []
        for i in 0..<max(1, distinct) {
            let fCnt = UInt32(0x0001_0000 + i)
            let payload = (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
            var phy = PHYPayload(mhdr: MHDR(mType: .unconfirmedDataUp),
                                 payload: .data(MACPayload(fhdr: FHDR(devAddr: DevAddr(0x2601_1BDA), fCtrl: FCtrl(direction: .uplink, adr: true),
                                                                      fCnt: UInt16(truncatingIfNeeded: fCnt)),
                                                           fPort: 1, frmPayload: payload)), mic: nil)
            phy = try phy.cryptingFRMPayload(key: effective.appSKey, fCnt: fCnt)
            phy.mic = try phy.dataMIC(version: version, keys: effective, fCnt: fCnt)
            let bytes = try phy.serialized()
            frames.append(bytes)
            fCnts.append(fCnt)
            var b0 = [UInt8](repeating: 0, count: 16)
            b0.withUnsafeMutableBytes { FrameCrypto.micBlock($0, confFCnt: 0, txDR: 0, txCh: 0, direction: .uplink,
                                                              devAddr: 0x2601_1BDA, fCnt: fCnt, length: bytes.count - 4) }
            raw.append(b0 + bytes[0..<(bytes.count - 4)])
        }
        self.frames = frames
        self.fCnts = fCnts
        rawMessages = raw
        rawBuffer = raw.flatMap { $0 }
        scratch = [UInt8](repeating: 0, count: 256)
        guard let mac = lorikeet_cmac_fetch() else { throw .crypto(operation: "EVP_MAC_fetch(CMAC)") }
        guard let ctx = EVP_MAC_CTX_new(mac) else { EVP_MAC_free(mac); throw .crypto(operation: "EVP_MAC_CTX_new") }
        let ok = effective.fNwkSIntKey.withUnsafeBytes { lorikeet_cmac_init(ctx, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard ok == 1 else { EVP_MAC_CTX_free(ctx); EVP_MAC_free(mac); throw .crypto(operation: "EVP_MAC_init(CMAC)") }
        rawMAC = mac
        rawContext = ctx
    }

    deinit {
        EVP_MAC_CTX_free(rawContext)
        EVP_MAC_free(rawMAC)
    }

    /// Verifies and decrypts `count` frames; returns a checksum (so the work cannot be optimised
    /// away) and how many MICs verified (all of them, unless something is broken).
    public func verifyAndDecrypt(count: Int) -> (checksum: UInt64, verified: Int) {
        var checksum: UInt64 = 0
        var verified = 0
        let n = frames.count
        scratch.withUnsafeMutableBytes { out in
            for i in 0..<count {
                let k = i % n
                frames[k].withUnsafeBytes { b in
                    guard let layout = try? DataFrameLayout(b) else { return }
                    if crypto.verifyMIC(b, layout: layout, fCnt: fCnts[k]) {
                        verified += 1
                        let len = crypto.decryptFRMPayload(b, layout: layout, fCnt: fCnts[k], into: out)
                        checksum &+= UInt64(len > 0 ? out[0] : 0) &+ UInt64(layout.mic)
                    }
                }
            }
        }
        return (checksum, verified)
    }

    /// The baseline: `count` raw OpenSSL AES-CMAC computations over the same MIC inputs. The
    /// inputs sit in one contiguous buffer so the loop has no per-message overhead beyond OpenSSL.
    public func rawCMAC(count: Int) -> UInt64 {
        var checksum: UInt64 = 0
        let n = rawMessages.count
        let stride = micInputLength
        var tag: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &tag) { t in
            let out = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
            rawBuffer.withUnsafeBytes { all in
                let base = all.baseAddress!.assumingMemoryBound(to: UInt8.self)
                var k = 0
                for _ in 0..<count {
                    var outl = 0
                    _ = EVP_MAC_init(rawContext, nil, 0, nil)
                    _ = EVP_MAC_update(rawContext, base + k * stride, stride)
                    _ = EVP_MAC_final(rawContext, out, &outl, 16)
                    checksum &+= UInt64(t[0])
                    k += 1
                    if k == n { k = 0 }
                }
            }
        }
        return checksum
    }

    /// Bytes the MIC covers per frame (B0 plus MHDR…FRMPayload), for the report.
    public var micInputLength: Int { rawMessages.first?.count ?? 0 }
}
