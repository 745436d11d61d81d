/// What a kind of device supports and how the network talks to it.
public struct DeviceProfile: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    /// Channel-plan id from Regions/ ("EU868", "US915", …).
    public var region: String
    /// LoRaWAN MAC version as written ("1.0.3", "1.1").
    public var macVersion: String
    /// Regional-parameters revision ("RP002-1.0.3").
    public var regParamsRevision: String
    /// Whether the device supports OTAA.
    public var supportsJoin: Bool
    /// Class C (always listening on RX2); class A otherwise.
    public var supportsClassC: Bool
    /// Whether the network runs ADR for these devices.
    public var adrEnabled: Bool
    /// RX1 delay in seconds (1–15).
    public var rx1Delay: Int
    /// RX1 data-rate offset.
    public var rx1DROffset: Int
    /// RX2 data rate; nil = the region's default.
    public var rx2DataRate: Int?
    /// RX2 frequency in Hz; nil = the region's default.
    public var rx2Frequency: UInt32?
    /// Payload codec name (from Codecs/), or nil for none.
    public var codec: String?

    public init(id: String, name: String, region: String = "EU868", macVersion: String = "1.0.3",
                regParamsRevision: String = "RP002-1.0.3", supportsJoin: Bool = true, supportsClassC: Bool = false,
                adrEnabled: Bool = true, rx1Delay: Int = 1, rx1DROffset: Int = 0, rx2DataRate: Int? = nil,
                rx2Frequency: UInt32? = nil, codec: String? = nil) {
        self.id = id; self.name = name; self.region = region; self.macVersion = macVersion
        self.regParamsRevision = regParamsRevision; self.supportsJoin = supportsJoin; self.supportsClassC = supportsClassC
        self.adrEnabled = adrEnabled; self.rx1Delay = rx1Delay; self.rx1DROffset = rx1DROffset
        self.rx2DataRate = rx2DataRate; self.rx2Frequency = rx2Frequency; self.codec = codec
    }

    /// Checks the ranges the network server relies on.
    public func validate() throws(RegistryError) {
        guard (1...15).contains(rx1Delay) else { throw .invalidValue(field: "rx1Delay", reason: "\(rx1Delay) outside 1…15 s") }
        guard (0...7).contains(rx1DROffset) else { throw .invalidValue(field: "rx1DROffset", reason: "\(rx1DROffset) outside 0…7") }
        if let dr = rx2DataRate, !(0...15).contains(dr) { throw .invalidValue(field: "rx2DataRate", reason: "\(dr) outside 0…15") }
        guard ["1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.1", "1.1.0"].contains(macVersion) else {
            throw .invalidValue(field: "macVersion", reason: "'\(macVersion)' is not 1.0.x or 1.1")
        }
        guard !region.isEmpty else { throw .invalidValue(field: "region", reason: "empty") }
    }
}
