/// The frame header of a data frame: `DevAddr(4) | FCtrl(1) | FCnt(2) | FOpts(0..15)`
/// (LoRaWAN 1.1 §4.3.1). Multi-byte fields are little-endian on the wire.
public struct FHDR: Hashable, Sendable {
    /// The end-device address.
    public var devAddr: DevAddr
    /// The frame-control flags.
    public var fCtrl: FCtrl
    /// The 16 least significant bits of the frame counter.
    public var fCnt: UInt16
    /// The FOpts bytes as carried (encrypted with NwkSEncKey in LoRaWAN 1.1, plain in 1.0.x).
    /// At most 15 bytes; FOptsLen is derived from the count.
    public var fOpts: [UInt8]

    public init(devAddr: DevAddr, fCtrl: FCtrl, fCnt: UInt16, fOpts: [UInt8] = []) {
        self.devAddr = devAddr
        self.fCtrl = fCtrl
        self.fCnt = fCnt
        self.fOpts = fOpts
    }
}

/// The MACPayload of a data frame: `FHDR | FPort? | FRMPayload?` (LoRaWAN 1.1 §4.3).
public struct MACPayload: Hashable, Sendable {
    public var fhdr: FHDR
    /// The port, absent when the frame carries no FRMPayload. Port 0 means the FRMPayload
    /// holds MAC commands (encrypted with NwkSKey / NwkSEncKey).
    public var fPort: UInt8?
    /// The FRMPayload bytes as carried (encrypted on the wire).
    public var frmPayload: [UInt8]

    public init(fhdr: FHDR, fPort: UInt8? = nil, frmPayload: [UInt8] = []) {
        self.fhdr = fhdr
        self.fPort = fPort
        self.frmPayload = frmPayload
    }

    /// Parses the bytes between MHDR and MIC.
    /// - Throws: `tooShort` (under 7 bytes), `invalidFOptsLength`, `macCommandsInFOptsAndPayload`.
    public init(bytes: [UInt8], direction: Direction) throws(LoRaWANError) {
        guard bytes.count >= 7 else { throw .tooShort(what: "MACPayload (FHDR)", minimum: 7, actual: bytes.count) }
        var r = ByteReader(bytes)
        let devAddr = DevAddr(UInt32(truncatingIfNeeded: try r.le(4, "DevAddr")))
        let fCtrlByte = try r.u8("FCtrl")
        let fCnt = UInt16(truncatingIfNeeded: try r.le(2, "FCnt"))
        let fOptsLen = Int(fCtrlByte & 0x0F)
        guard fOptsLen <= r.remaining else {
            throw .invalidFOptsLength(fOptsLen: fOptsLen, available: r.remaining)
        }
        let fOpts = try r.take(fOptsLen, "FOpts")
        var fPort: UInt8?
        var frm: [UInt8] = []
        if r.remaining > 0 {
            fPort = try r.u8("FPort")
            frm = r.rest()
        }
        if fPort == 0, !fOpts.isEmpty { throw .macCommandsInFOptsAndPayload }
        fhdr = FHDR(devAddr: devAddr, fCtrl: FCtrl(byte: fCtrlByte, direction: direction), fCnt: fCnt, fOpts: fOpts)
        self.fPort = fPort
        frmPayload = frm
    }

    /// The wire bytes.
    /// - Throws: `tooLong` for more than 15 FOpts bytes, `invalidField` for a FRMPayload without
    ///   FPort, `macCommandsInFOptsAndPayload` for FOpts with FPort 0.
    public func serialized() throws(LoRaWANError) -> [UInt8] {
        guard fhdr.fOpts.count <= 15 else { throw .tooLong(what: "FOpts", maximum: 15, actual: fhdr.fOpts.count) }
        guard fPort != nil || frmPayload.isEmpty else {
            throw .invalidField(name: "FPort", reason: "a FRMPayload needs an FPort")
        }
        if fPort == 0, !fhdr.fOpts.isEmpty { throw .macCommandsInFOptsAndPayload }
        var out: [UInt8] = []
        out.reserveCapacity(8 + fhdr.fOpts.count + frmPayload.count)
        out.appendLE(UInt64(fhdr.devAddr.rawValue), 4)
        out.append(fhdr.fCtrl.byte(fOptsLen: fhdr.fOpts.count))
        out.appendLE(UInt64(fhdr.fCnt), 2)
        out += fhdr.fOpts
        if let fPort {
            out.append(fPort)
            out += frmPayload
        }
        return out
    }
}
