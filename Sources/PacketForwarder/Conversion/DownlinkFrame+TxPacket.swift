public import LoRaWAN

extension TxPacket {
    /// The `txpk` for a downlink: timing (`imme`/`tmst`/`tmms`), frequency in MHz, power, modulation,
    /// polarity, board and antenna, and the payload in base64.
    public init(downlink frame: DownlinkFrame) {
        self.init(freq: Double(frame.frequency) / 1_000_000, rfch: 0, powe: frame.power, ipol: frame.invertPolarity,
                  size: frame.phyPayload.count, data: Base64.encode(frame.phyPayload),
                  brd: frame.board, ant: frame.antenna)
        switch frame.timing {
        case .immediately: imme = true
        case let .concentratorTimestamp(t): imme = false; tmst = t
        case let .gpsTimeMillis(ms): imme = false; tmms = ms
        }
        var codr: String?
        RxPacket.apply(modulation: frame.modulation, modu: &modu, datr: &datr, codr: &codr)
        self.codr = codr
        if case let .fsk(_, deviation) = frame.modulation { fdev = deviation }
    }
}

extension DownlinkFrame {
    /// Reads a `txpk` back into a downlink frame (the gateway's side: the simulator and tests).
    /// - Throws: `PacketForwarderError` for missing timing, frequency, modulation or payload.
    public init(txPacket p: TxPacket, gatewayEUI: EUI64, downlinkID: UInt32) throws(PacketForwarderError) {
        guard let freq = p.freq else { throw .missingField("txpk.freq") }
        guard let data = p.data else { throw .missingField("txpk.data") }
        guard let payload = Base64.decode(data) else { throw .invalidBase64("txpk.data") }
        if let size = p.size, size != payload.count { throw .sizeMismatch(declared: size, actual: payload.count) }
        let timing: Timing
        if p.imme == true { timing = .immediately }
        else if let t = p.tmst { timing = .concentratorTimestamp(t) }
        else if let g = p.tmms { timing = .gpsTimeMillis(g) }
        else { throw .missingField("txpk.imme/tmst/tmms") }
        self.init(downlinkID: downlinkID, gatewayEUI: gatewayEUI, phyPayload: payload,
                  frequency: try RxPacket.hertz(fromMHz: freq, field: "txpk.freq"), power: p.powe ?? 14,
                  modulation: try RxPacket.modulation(modu: p.modu, datr: p.datr, codr: p.codr, fdev: p.fdev),
                  timing: timing, invertPolarity: p.ipol ?? false, board: p.brd ?? 0, antenna: p.ant ?? 0)
    }
}
