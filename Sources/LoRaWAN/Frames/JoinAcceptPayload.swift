/// The downlink settings byte of a join-accept (LoRaWAN 1.1 §6.2.3):
/// `OptNeg(1) | RX1DRoffset(3) | RX2DataRate(4)`. OptNeg is RFU (0) in LoRaWAN 1.0.x; a 1.1
/// network sets it to tell the device to use the 1.1 key hierarchy and join-accept MIC.
public struct DLSettings: Hashable, Sendable {
    public var optNeg: Bool
    /// RX1 data-rate offset (0–7).
    public var rx1DROffset: UInt8
    /// RX2 data rate (0–15).
    public var rx2DataRate: UInt8

    public init(optNeg: Bool = false, rx1DROffset: UInt8 = 0, rx2DataRate: UInt8 = 0) {
        self.optNeg = optNeg
        self.rx1DROffset = rx1DROffset & 0x07
        self.rx2DataRate = rx2DataRate & 0x0F
    }

    public init(byte: UInt8) {
        optNeg = byte & 0x80 != 0
        rx1DROffset = (byte >> 4) & 0x07
        rx2DataRate = byte & 0x0F
    }

    public var byte: UInt8 { (optNeg ? 0x80 : 0) | (rx1DROffset & 0x07) << 4 | (rx2DataRate & 0x0F) }
}

/// The optional 16-byte channel-frequency list of a join-accept (Regional Parameters RP002 §2.x).
///
/// Kept as its 16 bytes; the last byte is the CFListType. Type 0 carries five 24-bit
/// frequencies (× 100 Hz); type 1 carries ChMask words (US915/AU915/CN470).
public struct CFList: Hashable, Sendable {
    /// All 16 bytes, CFListType last.
    public private(set) var bytes: [UInt8]

    /// Wraps exactly 16 bytes.
    public init(bytes: [UInt8]) throws(LoRaWANError) {
        guard bytes.count == 16 else { throw .invalidLength(what: "CFList", expected: 16, actual: bytes.count) }
        self.bytes = bytes
    }

    /// A type-0 list of up to five frequencies in Hz (0 means "no channel"); each must be a
    /// multiple of 100 Hz below 2^24 × 100.
    public init(frequencies: [UInt32]) throws(LoRaWANError) {
        guard frequencies.count <= 5 else { throw .tooLong(what: "CFList frequency list", maximum: 5, actual: frequencies.count) }
        var out: [UInt8] = []
        for f in frequencies {
            guard f % 100 == 0, f / 100 <= 0xFF_FFFF else {
                throw .invalidField(name: "CFList frequency", reason: "\(f) Hz is not a 24-bit multiple of 100 Hz")
            }
            out.appendLE(UInt64(f / 100), 3)
        }
        out += [UInt8](repeating: 0, count: 15 - out.count)
        out.append(0)
        bytes = out
    }

    /// A type-1 list of ChMask words (at most 7; the rest of the 15 bytes is RFU zero).
    public init(channelMasks: [UInt16]) throws(LoRaWANError) {
        guard channelMasks.count <= 7 else { throw .tooLong(what: "CFList channel mask list", maximum: 7, actual: channelMasks.count) }
        var out: [UInt8] = []
        for m in channelMasks { out.appendLE(UInt64(m), 2) }
        out += [UInt8](repeating: 0, count: 15 - out.count)
        out.append(1)
        bytes = out
    }

    /// CFListType: 0 = frequencies, 1 = channel masks.
    public var type: UInt8 { bytes.count == 16 ? bytes[15] : 0 }

    /// For type 0, the five frequencies in Hz (0 = unused slot); otherwise `nil`.
    public var frequencies: [UInt32]? {
        guard type == 0, bytes.count == 16 else { return nil }
        return (0..<5).map { (i: Int) -> UInt32 in
            let b0 = UInt32(bytes[3 * i])
            let b1 = UInt32(bytes[3 * i + 1]) << 8
            let b2 = UInt32(bytes[3 * i + 2]) << 16
            return (b0 | b1 | b2) * 100
        }
    }

    /// For type 1, the first five ChMask words (16 channels each; bytes 10–14 are RFU); otherwise `nil`.
    public var channelMasks: [UInt16]? {
        guard type == 1, bytes.count == 16 else { return nil }
        return (0..<5).map { (i: Int) -> UInt16 in
            let lo = UInt16(bytes[2 * i])
            let hi = UInt16(bytes[2 * i + 1]) << 8
            return lo | hi
        }
    }
}

/// A decrypted join-accept: `JoinNonce(3) | NetID(3) | DevAddr(4) | DLSettings(1) |
/// RxDelay(1) | CFList(0 or 16)` (LoRaWAN 1.1 §6.2.3; JoinNonce is AppNonce in 1.0.x).
public struct JoinAcceptPayload: Hashable, Sendable {
    /// JoinNonce (1.1) / AppNonce (1.0.x), 24 bits.
    public var joinNonce: UInt32
    public var homeNetID: NetID
    public var devAddr: DevAddr
    public var dlSettings: DLSettings
    /// The RxDelay byte: bits 3..0 are the RX1 delay in seconds (0 means 1 s); bits 7..4 RFU.
    public var rxDelay: UInt8
    public var cfList: CFList?

    public init(joinNonce: UInt32, homeNetID: NetID, devAddr: DevAddr, dlSettings: DLSettings,
                rxDelay: UInt8, cfList: CFList? = nil) {
        self.joinNonce = joinNonce
        self.homeNetID = homeNetID
        self.devAddr = devAddr
        self.dlSettings = dlSettings
        self.rxDelay = rxDelay
        self.cfList = cfList
    }

    /// The RX1 delay in seconds (RxDelay 0 and 1 both mean one second).
    public var rx1DelaySeconds: Int { max(1, Int(rxDelay & 0x0F)) }

    /// Parses 12 or 28 decrypted bytes (without the MIC).
    public init(bytes: [UInt8]) throws(LoRaWANError) {
        guard bytes.count == 12 || bytes.count == 28 else {
            throw .invalidLength(what: "join-accept payload", expected: bytes.count < 28 ? 12 : 28, actual: bytes.count)
        }
        var r = ByteReader(bytes)
        joinNonce = UInt32(truncatingIfNeeded: try r.le(3, "JoinNonce"))
        homeNetID = try NetID(UInt32(truncatingIfNeeded: try r.le(3, "NetID")))
        devAddr = DevAddr(UInt32(truncatingIfNeeded: try r.le(4, "DevAddr")))
        dlSettings = DLSettings(byte: try r.u8("DLSettings"))
        rxDelay = try r.u8("RxDelay")
        cfList = r.remaining == 16 ? try CFList(bytes: r.rest()) : nil
    }

    /// The 12 or 28 plaintext bytes.
    /// - Throws: `invalidField` when JoinNonce does not fit in 24 bits.
    public func serialized() throws(LoRaWANError) -> [UInt8] {
        guard joinNonce <= 0xFF_FFFF else { throw .invalidField(name: "JoinNonce", reason: "\(joinNonce) does not fit in 24 bits") }
        var out: [UInt8] = []
        out.reserveCapacity(28)
        out.appendLE(UInt64(joinNonce), 3)
        out.appendLE(UInt64(homeNetID.rawValue), 3)
        out.appendLE(UInt64(devAddr.rawValue), 4)
        out.append(dlSettings.byte)
        out.append(rxDelay)
        if let cfList { out += cfList.bytes }
        return out
    }
}
