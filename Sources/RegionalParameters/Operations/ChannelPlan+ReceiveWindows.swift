extension ChannelPlan {
    /// The uplink channel index of `frequency` among ``uplinkChannels`` followed by ``extraChannels``,
    /// or nil when no such channel has that frequency.
    public func uplinkChannelIndex(frequency: Int) -> Int? {
        if let index = uplinkChannels.firstIndex(where: { $0.frequency == frequency }) { return index }
        return extraChannels.firstIndex { $0.frequency == frequency }.map { $0 + uplinkChannels.count }
    }

    /// The downlink channel used in RX1 for an uplink on channel `uplinkChannel` (fixed plans).
    ///
    /// US915/AU915 (RP002-1.0.4 §2.5.7, §2.8.7): downlink channel = uplink channel mod 8, e.g. uplink
    /// channel 65 → downlink channel 1 (923.9 MHz). CN470 20 MHz plan A: the same channel number.
    /// - Throws: ``RegionalParametersError/unsupported(_:)`` for dynamic plans,
    ///   ``RegionalParametersError/unknownChannel(_:)`` for a channel outside the plan.
    public func downlinkChannel(forUplinkChannel uplinkChannel: Int) throws(RegionalParametersError) -> Int {
        guard case let .downlinkChannelModulo(modulo) = rx1ChannelRule else {
            throw .unsupported("\(id) has no numbered downlink channels (RX1 uses the uplink frequency)")
        }
        guard uplinkChannels.indices.contains(uplinkChannel) else { throw .unknownChannel(uplinkChannel) }
        let downlink = uplinkChannel % modulo
        guard downlinkChannels.indices.contains(downlink) else { throw .unknownChannel(downlink) }
        return downlink
    }

    /// The RX1 data rate for an uplink data rate and RX1DROffset (the region's RX1 data-rate table).
    ///
    /// With `downlinkDwellTime` on, regions with a dwell-dependent table (AS923) use it.
    /// - Throws: ``RegionalParametersError/unknownDataRate(_:)`` or
    ///   ``RegionalParametersError/invalidRX1DROffset(_:)``.
    public func rx1DataRate(uplinkDataRate: Int, rx1DROffset: Int, downlinkDwellTime: Bool = false) throws(RegionalParametersError) -> Int {
        let table = downlinkDwellTime ? (rx1DataRatesDownlinkDwellTime ?? rx1DataRates) : rx1DataRates
        guard let row = table[uplinkDataRate] else { throw .unknownDataRate(uplinkDataRate) }
        guard row.indices.contains(rx1DROffset) else { throw .invalidRX1DROffset(rx1DROffset) }
        return row[rx1DROffset]
    }

    /// RX1 frequency and data rate for an uplink received at `uplinkFrequency` with `uplinkDataRate`.
    ///
    /// Dynamic plans answer on the uplink frequency; fixed plans on the downlink channel that the
    /// region maps the uplink channel to. Example (US915): 902.3 MHz, DR0, offset 0 → 923.3 MHz, DR10.
    /// - Throws: ``RegionalParametersError/unknownUplinkFrequency(_:)`` when the frequency is not an
    ///   uplink channel (fixed plans) or outside the band (dynamic plans), and the errors of
    ///   ``rx1DataRate(uplinkDataRate:rx1DROffset:downlinkDwellTime:)``.
    public func rx1(uplinkFrequency: Int, uplinkDataRate: Int, rx1DROffset: Int, downlinkDwellTime: Bool = false) throws(RegionalParametersError) -> RXWindow {
        let dataRate = try rx1DataRate(uplinkDataRate: uplinkDataRate, rx1DROffset: rx1DROffset, downlinkDwellTime: downlinkDwellTime)
        switch rx1ChannelRule {
        case .sameAsUplink:
            guard frequencyRange.contains(uplinkFrequency) else { throw .unknownUplinkFrequency(uplinkFrequency) }
            return RXWindow(frequency: uplinkFrequency, dataRate: dataRate)
        case .downlinkChannelModulo:
            guard let channel = uplinkChannelIndex(frequency: uplinkFrequency) else { throw .unknownUplinkFrequency(uplinkFrequency) }
            let downlink = try downlinkChannel(forUplinkChannel: channel)
            return RXWindow(frequency: downlinkChannels[downlink].frequency, dataRate: dataRate)
        }
    }

    /// The join channel index of `frequency`, or nil when it is not a join channel.
    public func joinChannelIndex(frequency: Int) -> Int? {
        joinChannels.firstIndex { $0.frequency == frequency }
    }

    /// RX2 frequency and data rate for a device. Devices that joined by OTAA on join channel
    /// `joinChannelIndex` use that channel's RX2 frequency where the region defines one (CN470 20 MHz
    /// plan A: 485.3 + 1.6·j MHz, RP002-1.0.4 §2.9.7); everyone else uses the default ``rx2``.
    public func rx2(joinChannelIndex: Int?) -> RXWindow {
        guard let joinChannelIndex, rx2FrequenciesByJoinChannel.indices.contains(joinChannelIndex) else { return rx2 }
        return RXWindow(frequency: rx2FrequenciesByJoinChannel[joinChannelIndex], dataRate: rx2.dataRate)
    }

    /// Class B beacon frequency for the beacon sent at `beaconTime` (seconds since the GPS epoch).
    ///
    /// Fixed-frequency regions return their beacon frequency; hopping regions (US915, AU915)
    /// use channel floor(beaconTime / 128) mod count (RP002-1.0.4 §2.5.8).
    public func beaconFrequency(beaconTime: Int) -> Int {
        guard beacon.hops else { return beacon.frequency }
        let channel = (beaconTime / 128) % beacon.count
        return beacon.frequency + beacon.step * (channel < 0 ? channel + beacon.count : channel)
    }

    /// Class B default ping-slot frequency for `devAddr` in the beacon period starting at `beaconTime`
    /// (seconds since the GPS epoch).
    ///
    /// Hopping regions use channel (DevAddr + floor(beaconTime / 128)) mod count (RP002-1.0.4 §2.5.8).
    public func pingSlotFrequency(devAddr: UInt32, beaconTime: Int) -> Int {
        guard pingSlot.hops else { return pingSlot.frequency }
        let period = UInt64(max(beaconTime, 0) / 128)
        let channel = Int((UInt64(devAddr) &+ period) % UInt64(pingSlot.count))
        return pingSlot.frequency + pingSlot.step * channel
    }
}
