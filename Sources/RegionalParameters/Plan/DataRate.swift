public import LoRaWAN

/// One data rate of a plan: its index and its modulation.
public struct DataRate: Sendable, Equatable {
    /// DR index (0–15).
    public let index: Int
    /// The radio modulation; LoRa data rates carry code rate "4/5". LR-FHSS carries the spec's coding
    /// rate ("1/3" or "2/3") and occupied channel width.
    public let modulation: Modulation
    /// Whether end-devices may transmit with it.
    public let uplink: Bool
    /// Whether the network may send with it.
    public let downlink: Bool
}
