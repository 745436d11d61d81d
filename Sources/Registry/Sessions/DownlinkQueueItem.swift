public import LoRaWAN

/// An application downlink waiting in a device's queue.
public struct DownlinkQueueItem: Codable, Sendable, Hashable {
    /// Assigned by the store; 0 before enqueueing.
    public var id: Int64
    public var devEUI: EUI64
    public var fPort: UInt8
    /// Plaintext FRMPayload.
    public var data: [UInt8]
    public var confirmed: Bool
    /// Enqueue time and optional expiry, ms since the Unix epoch.
    public var createdAtMillis: Int64
    public var expiresAtMillis: Int64?

    public init(id: Int64 = 0, devEUI: EUI64, fPort: UInt8, data: [UInt8], confirmed: Bool = false,
                createdAtMillis: Int64 = 0, expiresAtMillis: Int64? = nil) {
        self.id = id; self.devEUI = devEUI; self.fPort = fPort; self.data = data; self.confirmed = confirmed
        self.createdAtMillis = createdAtMillis; self.expiresAtMillis = expiresAtMillis
    }
}

/// Metadata of one accepted uplink, kept for analytics (`uplinks` table).
public struct UplinkRecord: Codable, Sendable, Hashable {
    public var timeMillis: Int64
    public var devEUI: EUI64
    public var devAddr: DevAddr
    public var fCnt: UInt32
    public var fPort: UInt8?
    public var dataRate: Int
    public var frequency: UInt32
    public var rssi: Int
    public var snr: Double
    public var gatewayCount: Int
    public var confirmed: Bool
    public var size: Int

    public init(timeMillis: Int64, devEUI: EUI64, devAddr: DevAddr, fCnt: UInt32, fPort: UInt8?, dataRate: Int, frequency: UInt32,
                rssi: Int, snr: Double, gatewayCount: Int, confirmed: Bool, size: Int) {
        self.timeMillis = timeMillis; self.devEUI = devEUI; self.devAddr = devAddr; self.fCnt = fCnt; self.fPort = fPort
        self.dataRate = dataRate; self.frequency = frequency; self.rssi = rssi; self.snr = snr; self.gatewayCount = gatewayCount
        self.confirmed = confirmed; self.size = size
    }
}
