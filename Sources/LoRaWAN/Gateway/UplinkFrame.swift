/// A LoRaWAN frame as received by one gateway, independent of the gateway protocol that carried it.
///
/// The packet-forwarder bridge builds these from `rxpk` objects; the network server consumes them.
/// Deduplication merges frames with the same `phyPayload` from several gateways into one uplink
/// with several `rxInfo` entries.
public struct UplinkFrame: Hashable, Sendable, Codable {
    /// The raw PHYPayload bytes (MHDR … MIC).
    public var phyPayload: [UInt8]
    /// How the frame was transmitted.
    public var txInfo: UplinkTxInfo
    /// How and where this gateway received it.
    public var rxInfo: UplinkRxInfo

    public init(phyPayload: [UInt8], txInfo: UplinkTxInfo, rxInfo: UplinkRxInfo) {
        self.phyPayload = phyPayload
        self.txInfo = txInfo
        self.rxInfo = rxInfo
    }
}

/// Transmission parameters of an uplink.
public struct UplinkTxInfo: Hashable, Sendable, Codable {
    /// Centre frequency in Hz.
    public var frequency: UInt32
    public var modulation: Modulation

    public init(frequency: UInt32, modulation: Modulation) {
        self.frequency = frequency
        self.modulation = modulation
    }
}

/// Reception metadata of an uplink at one gateway (one antenna).
public struct UplinkRxInfo: Hashable, Sendable, Codable {
    /// The gateway that heard the frame.
    public var gatewayEUI: EUI64
    /// Concentrator internal counter at the end of reception, in microseconds (`tmst`); it wraps
    /// every 2^32 µs and is what Class A downlinks are scheduled against.
    public var concentratorTimestamp: UInt32
    /// UTC reception time in milliseconds since the Unix epoch, when the gateway knows it.
    public var timeMillis: Int64?
    /// GPS time in milliseconds since the GPS epoch, when the gateway has a fine time source.
    public var gpsTimeMillis: Int64?
    /// Received signal strength in dBm.
    public var rssi: Int
    /// Signal-to-noise ratio in dB.
    public var snr: Double
    /// Concentrator IF channel and RF chain.
    public var channel: Int
    public var rfChain: Int
    /// Antenna index for multi-antenna (SX1302 `rsig`) gateways.
    public var antenna: Int
    /// Concentrator board index.
    public var board: Int
    /// CRC status as the gateway reported it: 1 OK, -1 bad, 0 none.
    public var crcStatus: Int
    /// Gateway location, when it reports one.
    public var location: GatewayLocation?

    public init(gatewayEUI: EUI64, concentratorTimestamp: UInt32, timeMillis: Int64? = nil, gpsTimeMillis: Int64? = nil,
                rssi: Int, snr: Double, channel: Int = 0, rfChain: Int = 0, antenna: Int = 0, board: Int = 0,
                crcStatus: Int = 1, location: GatewayLocation? = nil) {
        self.gatewayEUI = gatewayEUI
        self.concentratorTimestamp = concentratorTimestamp
        self.timeMillis = timeMillis
        self.gpsTimeMillis = gpsTimeMillis
        self.rssi = rssi
        self.snr = snr
        self.channel = channel
        self.rfChain = rfChain
        self.antenna = antenna
        self.board = board
        self.crcStatus = crcStatus
        self.location = location
    }
}

/// A WGS-84 position.
public struct GatewayLocation: Hashable, Sendable, Codable {
    public var latitude: Double
    public var longitude: Double
    /// Altitude in metres.
    public var altitude: Double

    public init(latitude: Double, longitude: Double, altitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
        self.altitude = altitude
    }
}
