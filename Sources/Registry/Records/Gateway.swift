public import LoRaWAN

/// A registered gateway.
public struct Gateway: Codable, Sendable, Hashable {
    public var gatewayEUI: EUI64
    public var name: String
    public var location: GatewayLocation?
    /// Last time the gateway was heard, in milliseconds since the Unix epoch.
    public var lastSeenMillis: Int64?

    public init(gatewayEUI: EUI64, name: String = "", location: GatewayLocation? = nil, lastSeenMillis: Int64? = nil) {
        self.gatewayEUI = gatewayEUI
        self.name = name
        self.location = location
        self.lastSeenMillis = lastSeenMillis
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        gatewayEUI = try c.decode(EUI64.self, forKey: .gatewayEUI)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        location = try c.decodeIfPresent(GatewayLocation.self, forKey: .location)
        lastSeenMillis = try c.decodeIfPresent(Int64.self, forKey: .lastSeenMillis)
    }
}
