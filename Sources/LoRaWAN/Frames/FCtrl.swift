/// The frame-control byte of an FHDR, read per direction (LoRaWAN 1.1 §4.3.1).
///
/// ```
/// uplink:   ADR | ADRACKReq | ACK | ClassB   | FOptsLen(4)
/// downlink: ADR | RFU       | ACK | FPending | FOptsLen(4)
/// ```
/// FOptsLen is not stored: it is the length of `FHDR.fOpts`.
public struct FCtrl: Hashable, Sendable {
    /// The direction the frame travels, which decides how bits 6 and 4 read.
    public var direction: Direction
    /// Adaptive data rate (bit 7).
    public var adr: Bool
    /// Bit 6: ADRACKReq on uplinks; RFU on downlinks (kept so frames round-trip).
    public var bit6: Bool
    /// Acknowledges the last confirmed frame (bit 5).
    public var ack: Bool
    /// Bit 4: ClassB on uplinks, FPending on downlinks.
    public var bit4: Bool

    public init(direction: Direction, adr: Bool = false, adrAckReq: Bool = false, ack: Bool = false,
                classB: Bool = false, fPending: Bool = false) {
        self.direction = direction
        self.adr = adr
        self.ack = ack
        bit6 = direction == .uplink ? adrAckReq : false
        bit4 = direction == .uplink ? classB : fPending
    }

    /// Reads the flag bits of `byte` for `direction` (FOptsLen, bits 3..0, is ignored here).
    public init(byte: UInt8, direction: Direction) {
        self.direction = direction
        adr = byte & 0x80 != 0
        bit6 = byte & 0x40 != 0
        ack = byte & 0x20 != 0
        bit4 = byte & 0x10 != 0
    }

    /// ADRACKReq (uplink only; always `false` on a downlink).
    public var adrAckReq: Bool { direction == .uplink && bit6 }
    /// ClassB (uplink only).
    public var classB: Bool { direction == .uplink && bit4 }
    /// FPending (downlink only).
    public var fPending: Bool { direction == .downlink && bit4 }

    /// The byte with the given FOptsLen in bits 3..0.
    public func byte(fOptsLen: Int) -> UInt8 {
        (adr ? 0x80 : 0) | (bit6 ? 0x40 : 0) | (ack ? 0x20 : 0) | (bit4 ? 0x10 : 0) | UInt8(fOptsLen & 0x0F)
    }
}
