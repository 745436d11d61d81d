/// A packet for the gateway to transmit: the `txpk` object of a PULL_RESP (PROTOCOL.TXT §6, with
/// the SX1301 v2 `brd`/`ant` extensions).
public struct TxPacket: Sendable, Hashable, Codable {
    /// Send immediately (class C); ignores `tmst`/`tmms`.
    public var imme: Bool?
    /// Send when the concentrator counter reaches this value (µs).
    public var tmst: UInt32?
    /// Send at this GPS time (ms since 1980-01-06).
    public var tmms: Int64?
    /// Centre frequency in MHz.
    public var freq: Double?
    /// RF chain.
    public var rfch: Int?
    /// TX power in dBm.
    public var powe: Int?
    /// "LORA" or "FSK".
    public var modu: String?
    /// Data rate string (LoRa) or bit/s (FSK).
    public var datr: DataRateField?
    /// LoRa coding rate.
    public var codr: String?
    /// FSK frequency deviation in Hz.
    public var fdev: Int?
    /// LoRa IQ inversion.
    public var ipol: Bool?
    /// Preamble length.
    public var prea: Int?
    /// Payload size in bytes.
    public var size: Int?
    /// Base64 payload.
    public var data: String?
    /// Disable the physical-layer CRC.
    public var ncrc: Bool?
    /// Concentrator board.
    public var brd: Int?
    /// Antenna.
    public var ant: Int?

    public init(imme: Bool? = nil, tmst: UInt32? = nil, tmms: Int64? = nil, freq: Double? = nil, rfch: Int? = nil,
                powe: Int? = nil, modu: String? = nil, datr: DataRateField? = nil, codr: String? = nil, fdev: Int? = nil,
                ipol: Bool? = nil, prea: Int? = nil, size: Int? = nil, data: String? = nil, ncrc: Bool? = nil,
                brd: Int? = nil, ant: Int? = nil) {
        self.imme = imme; self.tmst = tmst; self.tmms = tmms; self.freq = freq; self.rfch = rfch; self.powe = powe
        self.modu = modu; self.datr = datr; self.codr = codr; self.fdev = fdev; self.ipol = ipol; self.prea = prea
        self.size = size; self.data = data; self.ncrc = ncrc; self.brd = brd; self.ant = ant
    }
}
