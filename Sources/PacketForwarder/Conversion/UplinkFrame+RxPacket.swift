public import LoRaWAN

extension RxPacket {
    /// The largest LoRa PHY payload a concentrator can receive.
    static let maxPayload = 255

    /// Converts this `rxpk` into gateway-neutral frames: one per antenna in `rsig`, or one when the
    /// gateway reports a single antenna.
    ///
    /// Requires `tmst`, `freq`, `modu`, `datr`, `data` and an RSSI (top-level `rssi` or
    /// `rsig[].rssic`); checks `size` against the decoded data and the time format.
    /// - Throws: `PacketForwarderError.missingField`, `.invalidField`, `.invalidBase64`, `.sizeMismatch`.
    public func uplinkFrames(gatewayEUI: EUI64) throws(PacketForwarderError) -> [UplinkFrame] {
        guard let tmst else { throw .missingField("rxpk.tmst") }
        guard let freq else { throw .missingField("rxpk.freq") }
        guard let data else { throw .missingField("rxpk.data") }
        let frequency = try Self.hertz(fromMHz: freq, field: "rxpk.freq")
        let modulation = try Self.modulation(modu: modu, datr: datr, codr: codr, fdev: nil)
        guard let payload = Base64.decode(data) else { throw .invalidBase64("rxpk.data") }
        guard !payload.isEmpty else { throw .invalidField(name: "rxpk.data", reason: "empty payload") }
        guard payload.count <= Self.maxPayload else {
            throw .invalidField(name: "rxpk.data", reason: "\(payload.count) bytes exceed the 255-byte maximum")
        }
        if let size, size != payload.count { throw .sizeMismatch(declared: size, actual: payload.count) }
        var timeMillis: Int64?
        if let time {
            guard let t = Timestamp.parseMillis(time) else {
                throw .invalidField(name: "rxpk.time", reason: "\"\(time.prefix(40))\" is not an ISO 8601 UTC time")
            }
            timeMillis = t
        }
        let crc = stat ?? 1
        guard (-1...1).contains(crc) else { throw .invalidField(name: "rxpk.stat", reason: "\(crc) is not -1, 0 or 1") }
        let txInfo = UplinkTxInfo(frequency: frequency, modulation: modulation)

        func rxInfo(rssi: Int, snr: Double, channel: Int, antenna: Int) -> UplinkRxInfo {
            UplinkRxInfo(gatewayEUI: gatewayEUI, concentratorTimestamp: tmst, timeMillis: timeMillis, gpsTimeMillis: tmms,
                         rssi: rssi, snr: snr, channel: channel, rfChain: rfch ?? 0, antenna: antenna, board: brd ?? 0,
                         crcStatus: crc)
        }
        if let rsig, !rsig.isEmpty {
            var frames: [UplinkFrame] = []
            frames.reserveCapacity(rsig.count)
            for (i, sig) in rsig.enumerated() {
                guard let rssi = sig.rssic ?? rssi else { throw .missingField("rxpk.rsig[\(i)].rssic") }
                let snr = sig.lsnr ?? lsnr ?? 0
                guard snr.isFinite, (-100...100).contains(snr) else { throw .invalidField(name: "rxpk.rsig[\(i)].lsnr", reason: "\(snr) dB is not a plausible SNR") }
                frames.append(UplinkFrame(phyPayload: payload, txInfo: txInfo,
                                          rxInfo: rxInfo(rssi: rssi, snr: snr, channel: sig.chan ?? chan ?? 0, antenna: sig.ant)))
            }
            return frames
        }
        guard let rssi else { throw .missingField("rxpk.rssi") }
        let snr = lsnr ?? 0
        guard snr.isFinite, (-100...100).contains(snr) else { throw .invalidField(name: "rxpk.lsnr", reason: "\(snr) dB is not a plausible SNR") }
        return [UplinkFrame(phyPayload: payload, txInfo: txInfo, rxInfo: rxInfo(rssi: rssi, snr: snr, channel: chan ?? 0, antenna: 0))]
    }

    /// Builds the `rxpk` a gateway would send for `frame` (used by the simulator and tests).
    public init(uplink frame: UplinkFrame) {
        let rx = frame.rxInfo
        self.init(time: rx.timeMillis.map { Timestamp.formatCompact(millis: $0) }, tmms: rx.gpsTimeMillis,
                  tmst: rx.concentratorTimestamp, freq: Double(frame.txInfo.frequency) / 1_000_000,
                  chan: rx.channel, rfch: rx.rfChain, brd: rx.board == 0 ? nil : rx.board, stat: rx.crcStatus,
                  rssi: rx.rssi, lsnr: rx.snr, size: frame.phyPayload.count, data: Base64.encode(frame.phyPayload))
        Self.apply(modulation: frame.txInfo.modulation, modu: &modu, datr: &datr, codr: &codr)
    }

    static func apply(modulation: Modulation, modu: inout String?, datr: inout DataRateField?, codr: inout String?) {
        switch modulation {
        case let .lora(sf, bw, cr):
            modu = "LORA"; datr = .string(DataRateField.loraString(sf: sf, bandwidth: bw)); codr = cr
        case let .fsk(bitrate, _):
            modu = "FSK"; datr = .number(UInt32(clamping: bitrate))
        case let .lrFHSS(cr, width, _):
            modu = "LR-FHSS"; datr = .string("M0CW\(width / 1000)"); codr = cr
        }
    }

    /// MHz (JSON float) to Hz, refusing non-finite, non-positive and absurd values.
    static func hertz(fromMHz mhz: Double, field: String) throws(PacketForwarderError) -> UInt32 {
        guard mhz.isFinite, mhz > 0, mhz < 4_000 else { throw .invalidField(name: field, reason: "\(mhz) MHz is not a radio frequency") }
        return UInt32((mhz * 1_000_000).rounded())
    }

    static let codingRates: Set<String> = ["4/5", "4/6", "4/7", "4/8", "2/3", "1/2", "4/5LI", "4/6LI", "4/8LI", "OFF"]

    static func modulation(modu: String?, datr: DataRateField?, codr: String?, fdev: Int?) throws(PacketForwarderError) -> Modulation {
        guard let modu else { throw .missingField("modu") }
        guard let datr else { throw .missingField("datr") }
        switch (modu, datr) {
        case let ("LORA", .string(s)):
            let (sf, bw) = try DataRateField.parseLoRa(s)
            let cr = codr ?? "4/5"
            guard codingRates.contains(cr) else { throw .invalidField(name: "codr", reason: "\"\(cr.prefix(10))\" is not a LoRa coding rate") }
            return .lora(spreadingFactor: sf, bandwidth: bw, codeRate: cr)
        case ("LORA", .number):
            throw .invalidField(name: "datr", reason: "LoRa needs a string such as \"SF7BW125\"")
        case let ("FSK", .number(bitrate)):
            guard bitrate >= 500, bitrate <= 300_000 else { throw .invalidField(name: "datr", reason: "FSK bit rate \(bitrate) out of range") }
            return .fsk(bitrate: Int(bitrate), frequencyDeviation: fdev ?? Int(bitrate / 2))
        case ("FSK", .string):
            throw .invalidField(name: "datr", reason: "FSK needs a number of bit/s")
        case let ("LR-FHSS", .string(s)):
            // SX1302 LR-FHSS: "M0CW<kHz>" (modulation type 0, occupied channel width).
            let u = Array(s.utf8)
            guard u.count > 4, s.hasPrefix("M0CW"), let kHz = Int(String(decoding: u[4...], as: UTF8.self)), kHz > 0, kHz < 10_000 else {
                throw .invalidField(name: "datr", reason: "\"\(s.prefix(20))\" is not an LR-FHSS data rate M0CW<kHz>")
            }
            let cr = codr ?? "2/3"
            guard codingRates.contains(cr) else { throw .invalidField(name: "codr", reason: "\"\(cr.prefix(10))\" is not an LR-FHSS coding rate") }
            return .lrFHSS(codingRate: cr, operatingChannelWidth: kHz * 1000, gridSteps: 0)
        default:
            throw .invalidField(name: "modu", reason: "\"\(modu.prefix(10))\" is not LORA, FSK or LR-FHSS")
        }
    }
}
