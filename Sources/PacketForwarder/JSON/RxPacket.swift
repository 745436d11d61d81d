/// One received radio packet: an element of a PUSH_DATA's `rxpk` array (PROTOCOL.TXT §4, with
/// the SX1301 v2 / SX1302 additions `brd`, `mid`, `rssis`, `foff` and the multi-antenna `rsig`).
///
/// Fields keep the protocol's names so that the mapping to the wire is obvious; all are optional
/// here because gateways omit many of them. `UplinkFrame(rxPacket:gatewayEUI:)` checks the ones a
/// frame needs.
public struct RxPacket: Sendable, Hashable, Codable {
    /// UTC time of reception, ISO 8601 compact ("2013-03-31T16:21:17.528002Z").
    public var time: String?
    /// GPS time of reception in milliseconds since 1980-01-06.
    public var tmms: Int64?
    /// Concentrator counter at the end of reception, in microseconds.
    public var tmst: UInt32?
    /// Fine timestamp in nanoseconds within the second (SX1301 v2 "ftime").
    public var ftime: Int64?
    /// Centre frequency in MHz.
    public var freq: Double?
    /// Concentrator IF channel.
    public var chan: Int?
    /// Concentrator RF chain.
    public var rfch: Int?
    /// Concentrator board (SX1301 v2, multi-board gateways).
    public var brd: Int?
    /// Concentrator modem ID (SX1302).
    public var mid: Int?
    /// CRC status: 1 OK, -1 fail, 0 no CRC.
    public var stat: Int?
    /// "LORA", "FSK" or "LR-FHSS".
    public var modu: String?
    /// Data rate: "SF7BW125" (LoRa) or bit/s (FSK).
    public var datr: DataRateField?
    /// LoRa coding rate ("4/5" …).
    public var codr: String?
    /// Channel RSSI in dBm.
    public var rssi: Int?
    /// Signal RSSI in dBm (SX1302).
    public var rssis: Int?
    /// LoRa SNR in dB.
    public var lsnr: Double?
    /// LoRa frequency offset in Hz.
    public var foff: Int?
    /// Payload size in bytes.
    public var size: Int?
    /// Base64 payload.
    public var data: String?
    /// Per-antenna signal reports of multi-antenna gateways; when present, RSSI/SNR/channel come
    /// from here instead of the top-level fields.
    public var rsig: [RSig]?

    /// One antenna's view of the packet (`rsig` element).
    public struct RSig: Sendable, Hashable, Codable {
        /// Antenna number.
        public var ant: Int
        /// IF channel on this antenna's concentrator.
        public var chan: Int?
        /// Channel RSSI in dBm.
        public var rssic: Int?
        /// Signal RSSI in dBm.
        public var rssis: Int?
        /// SNR in dB.
        public var lsnr: Double?
        /// Encrypted fine timestamp (base64).
        public var etime: String?
        /// Frequency offset in Hz.
        public var foff: Int?
        /// Fine-timestamp status.
        public var ftstat: Int?
        /// Fine-timestamp version.
        public var ftver: Int?
        /// Fine-timestamp delta in ns.
        public var ftdelta: Int?

        public init(ant: Int, chan: Int? = nil, rssic: Int? = nil, rssis: Int? = nil, lsnr: Double? = nil,
                    etime: String? = nil, foff: Int? = nil, ftstat: Int? = nil, ftver: Int? = nil, ftdelta: Int? = nil) {
            self.ant = ant; self.chan = chan; self.rssic = rssic; self.rssis = rssis; self.lsnr = lsnr
            self.etime = etime; self.foff = foff; self.ftstat = ftstat; self.ftver = ftver; self.ftdelta = ftdelta
        }
    }

    public init(time: String? = nil, tmms: Int64? = nil, tmst: UInt32? = nil, ftime: Int64? = nil, freq: Double? = nil,
                chan: Int? = nil, rfch: Int? = nil, brd: Int? = nil, mid: Int? = nil, stat: Int? = nil, modu: String? = nil,
                datr: DataRateField? = nil, codr: String? = nil, rssi: Int? = nil, rssis: Int? = nil, lsnr: Double? = nil,
                foff: Int? = nil, size: Int? = nil, data: String? = nil, rsig: [RSig]? = nil) {
        self.time = time; self.tmms = tmms; self.tmst = tmst; self.ftime = ftime; self.freq = freq
        self.chan = chan; self.rfch = rfch; self.brd = brd; self.mid = mid; self.stat = stat; self.modu = modu
        self.datr = datr; self.codr = codr; self.rssi = rssi; self.rssis = rssis; self.lsnr = lsnr
        self.foff = foff; self.size = size; self.data = data; self.rsig = rsig
    }
}
