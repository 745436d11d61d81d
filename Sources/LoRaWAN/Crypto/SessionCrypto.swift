/// The positions of a data frame's fields in its bytes, found without copying anything.
///
/// This is what the hot path parses: it validates the same structure as `PHYPayload(bytes:)`
/// for data frames but records offsets instead of building arrays.
public struct DataFrameLayout: Hashable, Sendable {
    public let mType: MType
    public let direction: Direction
    public let devAddr: DevAddr
    /// The FCtrl byte as carried.
    public let fCtrl: UInt8
    /// The 16-bit FCnt field.
    public let fCnt: UInt16
    /// FOpts occupy `8 ..< 8 + fOptsLength`.
    public let fOptsLength: Int
    /// The FPort, or `nil` when absent.
    public let fPort: UInt8?
    /// FRMPayload occupies `frmPayloadOffset ..< micOffset`.
    public let frmPayloadOffset: Int
    /// The MIC occupies the last four bytes, from here.
    public let micOffset: Int
    /// The MIC carried by the frame.
    public let mic: UInt32

    /// Length of the FRMPayload.
    public var frmPayloadLength: Int { micOffset - frmPayloadOffset }

    /// Whether the ACK bit is set.
    public var ack: Bool { fCtrl & 0x20 != 0 }

    /// Locates the fields of a data frame.
    /// - Throws: the same errors as `PHYPayload(bytes:)`, plus `invalidField` for non-data MTypes.
    public init(_ b: UnsafeRawBufferPointer) throws(LoRaWANError) {
        guard b.count >= 12 else { throw .tooShort(what: "data frame", minimum: 12, actual: b.count) }
        guard b.count <= PHYPayload.maximumLength else { throw .tooLong(what: "PHYPayload", maximum: PHYPayload.maximumLength, actual: b.count) }
        let mhdr = try MHDR(byte: b[0])
        guard mhdr.mType.isData, let direction = mhdr.mType.direction else {
            throw .invalidField(name: "MType", reason: "\(mhdr.mType) is not a data frame")
        }
        mType = mhdr.mType
        self.direction = direction
        devAddr = DevAddr(UInt32(b[1]) | UInt32(b[2]) << 8 | UInt32(b[3]) << 16 | UInt32(b[4]) << 24)
        fCtrl = b[5]
        fCnt = UInt16(b[6]) | UInt16(b[7]) << 8
        micOffset = b.count - 4
        fOptsLength = Int(fCtrl & 0x0F)
        let afterFHDR = 8 + fOptsLength
        guard afterFHDR <= micOffset else { throw .invalidFOptsLength(fOptsLen: fOptsLength, available: micOffset - 8) }
        if afterFHDR < micOffset {
            fPort = b[afterFHDR]
            frmPayloadOffset = afterFHDR + 1
        } else {
            fPort = nil
            frmPayloadOffset = micOffset
        }
        if fPort == 0, fOptsLength > 0 { throw .macCommandsInFOptsAndPayload }
        mic = UInt32(b[micOffset]) << 24 | UInt32(b[micOffset + 1]) << 16 | UInt32(b[micOffset + 2]) << 8 | UInt32(b[micOffset + 3])
    }
}

/// The cryptographic state of one device session, kept by whoever holds the session so that
/// verifying and decrypting a data frame allocates nothing.
///
/// It owns one `CMACContext` per integrity key and one `AESContext` per encryption key. For a
/// LoRaWAN 1.0.x session the single NwkSKey context serves all network roles.
///
/// ```swift
/// let crypto = try SessionCrypto(version: .lorawan1_0, keys: SessionKeys(nwkSKey: k1, appSKey: k2))
/// try frame.withUnsafeBytes { b in
///     let layout = try DataFrameLayout(b)
///     guard crypto.verifyMIC(b, layout: layout, fCnt: fCnt32) else { /* drop */ }
///     let n = crypto.decryptFRMPayload(b, layout: layout, fCnt: fCnt32, into: scratch)
/// }
/// ```
/// Not thread-safe: use one instance per task/actor.
public final class SessionCrypto {
    public let version: MACVersion
    private let fNwkSIntKey: CMACContext
    private let sNwkSIntKey: CMACContext
    private let nwkSEncKey: AESContext
    private let appSKey: AESContext

    /// Builds the contexts for `keys` (four OpenSSL contexts for 1.1, two for 1.0.x).
    public init(version: MACVersion, keys: SessionKeys) throws(LoRaWANError) {
        self.version = version
        fNwkSIntKey = try CMACContext(key: keys.fNwkSIntKey)
        sNwkSIntKey = version == .lorawan1_1 && keys.sNwkSIntKey != keys.fNwkSIntKey ? try CMACContext(key: keys.sNwkSIntKey) : fNwkSIntKey
        appSKey = try AESContext(key: keys.appSKey)
        nwkSEncKey = keys.nwkSEncKey == keys.appSKey ? appSKey : try AESContext(key: keys.nwkSEncKey)
    }

    /// The MIC the frame should carry (see `PHYPayload.dataMIC` for the formulas).
    @inline(__always)
    public func computeMIC(_ frame: UnsafeRawBufferPointer, layout: DataFrameLayout, fCnt: UInt32,
                           confFCnt: UInt32 = 0, txDR: UInt8 = 0, txCh: UInt8 = 0) -> UInt32 {
        let message = UnsafeRawBufferPointer(rebasing: frame[0..<layout.micOffset])
        let conf = layout.ack ? UInt16(truncatingIfNeeded: confFCnt) : 0
        switch (version, layout.direction) {
        case (.lorawan1_0, _):
            return FrameCrypto.dataMIC(cmac: fNwkSIntKey, message: message, direction: layout.direction,
                                       devAddr: layout.devAddr.rawValue, fCnt: fCnt, confFCnt: 0)
        case (.lorawan1_1, .downlink):
            return FrameCrypto.dataMIC(cmac: sNwkSIntKey, message: message, direction: .downlink,
                                       devAddr: layout.devAddr.rawValue, fCnt: fCnt, confFCnt: conf)
        case (.lorawan1_1, .uplink):
            return FrameCrypto.uplinkMIC11(fNwkSIntKey: fNwkSIntKey, sNwkSIntKey: sNwkSIntKey, message: message,
                                           devAddr: layout.devAddr.rawValue, fCnt: fCnt, confFCnt: conf, txDR: txDR, txCh: txCh)
        }
    }

    /// Whether the frame's MIC verifies for the 32-bit counter `fCnt`. Allocates nothing.
    @inline(__always)
    public func verifyMIC(_ frame: UnsafeRawBufferPointer, layout: DataFrameLayout, fCnt: UInt32,
                          confFCnt: UInt32 = 0, txDR: UInt8 = 0, txCh: UInt8 = 0) -> Bool {
        computeMIC(frame, layout: layout, fCnt: fCnt, confFCnt: confFCnt, txDR: txDR, txCh: txCh) == layout.mic
    }

    /// Decrypts the FRMPayload into `output` (AppSKey for FPort > 0, NwkSKey/NwkSEncKey for FPort 0)
    /// and returns its length. Allocates nothing.
    /// - Precondition: `output.count >= layout.frmPayloadLength` (at most 250 bytes suffice).
    @inline(__always)
    public func decryptFRMPayload(_ frame: UnsafeRawBufferPointer, layout: DataFrameLayout, fCnt: UInt32,
                                  into output: UnsafeMutableRawBufferPointer) -> Int {
        let n = layout.frmPayloadLength
        precondition(output.count >= n, "output buffer too small for the FRMPayload")
        guard n > 0 else { return 0 }
        let out = UnsafeMutableRawBufferPointer(rebasing: output[0..<n])
        out.copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[layout.frmPayloadOffset..<layout.micOffset]))
        FrameCrypto.applyFRMKeyStream(aes: layout.fPort == 0 ? nwkSEncKey : appSKey, direction: layout.direction,
                                      devAddr: layout.devAddr.rawValue, fCnt: fCnt, out)
        return n
    }
}
