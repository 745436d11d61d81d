public import LoRaWAN

/// A gateway status report: the `stat` object of a PUSH_DATA (PROTOCOL.TXT §4).
public struct GatewayStat: Sendable, Hashable, Codable {
    /// Gateway system time, "2014-01-12 08:59:28 GMT".
    public var time: String?
    /// Latitude in degrees (N positive).
    public var lati: Double?
    /// Longitude in degrees (E positive); the wire name is `long`.
    public var long: Double?
    /// Altitude in metres.
    public var alti: Double?
    /// Radio packets received.
    public var rxnb: UInt32?
    /// Radio packets received with a valid CRC.
    public var rxok: UInt32?
    /// Radio packets forwarded.
    public var rxfw: UInt32?
    /// Percentage of upstream datagrams acknowledged.
    public var ackr: Double?
    /// Downlink datagrams received.
    public var dwnb: UInt32?
    /// Packets emitted.
    public var txnb: UInt32?
    /// Temperature in °C (SX1302).
    public var temp: Double?
    /// Platform, contact e-mail and description (TTN extensions some gateways send).
    public var pfrm: String?
    public var mail: String?
    public var desc: String?

    public init(time: String? = nil, lati: Double? = nil, long: Double? = nil, alti: Double? = nil, rxnb: UInt32? = nil,
                rxok: UInt32? = nil, rxfw: UInt32? = nil, ackr: Double? = nil, dwnb: UInt32? = nil, txnb: UInt32? = nil,
                temp: Double? = nil, pfrm: String? = nil, mail: String? = nil, desc: String? = nil) {
        self.time = time; self.lati = lati; self.long = long; self.alti = alti; self.rxnb = rxnb; self.rxok = rxok
        self.rxfw = rxfw; self.ackr = ackr; self.dwnb = dwnb; self.txnb = txnb; self.temp = temp
        self.pfrm = pfrm; self.mail = mail; self.desc = desc
    }

    /// The reported position, when latitude and longitude are present, in range and not the
    /// (0, 0) that GPS-less gateways send.
    public var location: GatewayLocation? {
        guard let lat = lati, let lon = long, lat.isFinite, lon.isFinite,
              (-90...90).contains(lat), (-180...180).contains(lon), !(lat == 0 && lon == 0) else { return nil }
        return GatewayLocation(latitude: lat, longitude: lon, altitude: alti ?? 0)
    }
}
