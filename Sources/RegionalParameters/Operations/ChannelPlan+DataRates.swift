public import LoRaWAN

extension ChannelPlan {
    /// The data rate with index `index`, or nil when the plan does not define it.
    public func dataRate(_ index: Int) -> DataRate? {
        dataRates.first { $0.index == index }
    }

    /// The modulation of data rate `index` (DR → modulation, SF, BW).
    ///
    /// Example: EU868 DR3 → `.lora(spreadingFactor: 9, bandwidth: 125000, codeRate: "4/5")`.
    /// - Throws: ``RegionalParametersError/unknownDataRate(_:)``.
    public func modulation(forDataRate index: Int) throws(RegionalParametersError) -> Modulation {
        guard let dataRate = dataRate(index) else { throw .unknownDataRate(index) }
        return dataRate.modulation
    }

    /// The data-rate index for a modulation as a gateway reports it (modulation → DR).
    ///
    /// LoRa matches on spreading factor and bandwidth (the code rate is ignored: gateways report the
    /// frame's code rate, which does not select the data rate); FSK on bit rate; LR-FHSS on coding rate
    /// ("1/3" or its equivalent "2/6", "2/3" or "4/6") and occupied channel width. When a modulation
    /// exists both as an uplink and as a downlink data rate (US915 SF8/500 kHz is DR4 up and DR12
    /// down), `direction` chooses.
    /// - Throws: ``RegionalParametersError/invalidArgument(_:)`` when no data rate matches.
    public func dataRateIndex(for modulation: Modulation, direction: Direction) throws(RegionalParametersError) -> Int {
        let candidates = dataRates.filter { Self.sameDataRate($0.modulation, modulation) }
        let wanted = candidates.first { direction == .uplink ? $0.uplink : $0.downlink }
        guard let match = wanted else {
            throw .invalidArgument("no \(direction == .uplink ? "uplink" : "downlink") data rate of \(id) matches \(modulation)")
        }
        return match.index
    }

    static func normalisedLRFHSSCodingRate(_ rate: String) -> String {
        switch rate {
        case "2/6": return "1/3"
        case "4/6": return "2/3"
        default: return rate
        }
    }

    static func sameDataRate(_ a: Modulation, _ b: Modulation) -> Bool {
        switch (a, b) {
        case let (.lora(sfA, bwA, _), .lora(sfB, bwB, _)):
            return sfA == sfB && bwA == bwB
        case let (.fsk(rateA, _), .fsk(rateB, _)):
            return rateA == rateB
        case let (.lrFHSS(crA, widthA, _), .lrFHSS(crB, widthB, _)):
            return normalisedLRFHSSCodingRate(crA) == normalisedLRFHSSCodingRate(crB) && widthA == widthB
        default:
            return false
        }
    }

    /// The maximum payload sizes (M and N) for data rate `index`.
    ///
    /// `dwellTime` is the dwell-time setting that applies to the transmission (UplinkDwellTime for an
    /// uplink data rate, DownlinkDwellTime for a downlink one); regions without dwell-time tables ignore
    /// it. `repeaterCompatible` selects the repeater-compatible table where the plan has one, else the
    /// plain table is used. Returns nil when the table marks the data rate "not defined" (e.g. AU915
    /// DR0 with dwell time on: RP002-1.0.4 §2.8.6).
    /// - Throws: ``RegionalParametersError/unknownDataRate(_:)`` when the plan has no such data rate.
    public func maxPayloadSize(dataRate index: Int, dwellTime: Bool = false, repeaterCompatible: Bool = false) throws(RegionalParametersError) -> MaxPayloadSize? {
        guard dataRate(index) != nil else { throw .unknownDataRate(index) }
        let dwellTables = maxPayloadSizeTables.filter { $0.dwellTime == dwellTime }
        let tables = dwellTables.isEmpty ? maxPayloadSizeTables.filter { !$0.dwellTime } : dwellTables
        let table = tables.first { $0.repeaterCompatible == repeaterCompatible }
            ?? tables.first { !$0.repeaterCompatible }
            ?? tables.first
        guard let size = table?.sizes[index], size.m > 0 else { return nil }
        return size
    }
}
