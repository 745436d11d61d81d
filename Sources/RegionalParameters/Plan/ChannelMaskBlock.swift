/// One (ChMask, ChMaskCntl) pair of a LinkADRReq (LoRaWAN L2 1.0.4 §5.3; RP002-1.0.4 per-region
/// "LinkAdrReq command" sections). A device applies a block of consecutive LinkADRReq commands in order.
public struct ChannelMaskBlock: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The 16-bit ChMask field (bit i refers to the i-th channel of the block ChMaskCntl selects).
    public let chMask: UInt16
    /// The 3-bit ChMaskCntl field of the Redundancy octet (0–7).
    public let chMaskCntl: UInt8
    /// A block with the given ChMask and ChMaskCntl.
    public init(chMask: UInt16, chMaskCntl: UInt8) {
        self.chMask = chMask
        self.chMaskCntl = chMaskCntl
    }
    /// `(ChMask 0x0002, ChMaskCntl 7)`.
    public var description: String {
        let hex = String(chMask, radix: 16, uppercase: true)
        return "(ChMask 0x\(String(repeating: "0", count: 4 - hex.count))\(hex), ChMaskCntl \(chMaskCntl))"
    }
}
