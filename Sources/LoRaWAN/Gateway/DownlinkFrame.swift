/// A frame the network server wants one gateway to transmit, independent of the gateway protocol.
public struct DownlinkFrame: Hashable, Sendable, Codable {
    /// Identifies this transmission so that the gateway's acknowledgement (TX_ACK) can be matched.
    public var downlinkID: UInt32
    /// The gateway that must transmit.
    public var gatewayEUI: EUI64
    /// The raw PHYPayload bytes.
    public var phyPayload: [UInt8]
    /// Centre frequency in Hz.
    public var frequency: UInt32
    /// Transmit power in dBm (EIRP as configured for the region).
    public var power: Int
    public var modulation: Modulation
    /// When to transmit.
    public var timing: Timing
    /// LoRa IQ inversion: true for downlinks to devices, false for gateway-to-gateway beacons.
    public var invertPolarity: Bool
    /// Concentrator board and antenna to use.
    public var board: Int
    public var antenna: Int

    /// When the gateway transmits.
    public enum Timing: Hashable, Sendable, Codable {
        /// As soon as possible (class C).
        case immediately
        /// At this concentrator counter value in microseconds (class A: uplink `tmst` + RX delay).
        case concentratorTimestamp(UInt32)
        /// At this GPS time in milliseconds since the GPS epoch (class B).
        case gpsTimeMillis(Int64)
    }

    public init(downlinkID: UInt32, gatewayEUI: EUI64, phyPayload: [UInt8], frequency: UInt32, power: Int,
                modulation: Modulation, timing: Timing, invertPolarity: Bool = true, board: Int = 0, antenna: Int = 0) {
        self.downlinkID = downlinkID
        self.gatewayEUI = gatewayEUI
        self.phyPayload = phyPayload
        self.frequency = frequency
        self.power = power
        self.modulation = modulation
        self.timing = timing
        self.invertPolarity = invertPolarity
        self.board = board
        self.antenna = antenna
    }
}
