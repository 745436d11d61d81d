/// The radio modulation of a frame, as the gateway reports or must use it.
public enum Modulation: Hashable, Sendable, Codable {
    /// LoRa with spreading factor 5–12, bandwidth in Hz (125000, 250000, 500000, …) and code rate
    /// ("4/5" … "4/8", "4/5LI" …).
    case lora(spreadingFactor: Int, bandwidth: Int, codeRate: String)
    /// FSK with a bit rate in bit/s and a frequency deviation in Hz.
    case fsk(bitrate: Int, frequencyDeviation: Int)
    /// LR-FHSS with its coding rate, occupied channel width in Hz and hopping grid (RP002 §2.x DR8–11).
    case lrFHSS(codingRate: String, operatingChannelWidth: Int, gridSteps: Int)

    /// The packet-forwarder `datr` string for LoRa ("SF7BW125") or nil for others.
    public var loraDataRateString: String? {
        if case let .lora(sf, bw, _) = self { return "SF\(sf)BW\(bw / 1000)" }
        return nil
    }
}
