extension ChannelPlan {
    /// The 16-byte CFList (type 0) announcing up to five extra channel frequencies in a join-accept
    /// (RP002-1.0.4 §2.3.1).
    ///
    /// Layout: five 24-bit little-endian frequencies in units of 100 Hz (channels N…N+4, unused = 0),
    /// then the CFListType octet 0:
    /// ```
    /// | Freq Ch N (3) | Freq Ch N+1 (3) | … | Freq Ch N+4 (3) | CFListType = 0 (1) |
    /// ```
    /// Example (EU868): 867.1 MHz → 8671000 = 0x844F18 → `18 4F 84`.
    /// - Throws: ``RegionalParametersError/unsupported(_:)`` on fixed plans;
    ///   ``RegionalParametersError/invalidFrequency(_:reason:)`` for a frequency outside the band or not
    ///   a multiple of 100 Hz; ``RegionalParametersError/invalidArgument(_:)`` for more than five.
    public func cfList(frequencies: [Int]) throws(RegionalParametersError) -> [UInt8] {
        guard cfListType == .frequencies else { throw .unsupported("CFList type 0 (\(id) uses a channel-mask CFList)") }
        guard frequencies.count <= 5 else { throw .invalidArgument("a CFList carries at most 5 frequencies, got \(frequencies.count)") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for frequency in frequencies {
            guard frequencyRange.contains(frequency) else {
                throw .invalidFrequency(frequency, reason: "outside \(id)'s band \(frequencyRange.lowerBound)…\(frequencyRange.upperBound) Hz")
            }
            guard frequency % 100 == 0 else { throw .invalidFrequency(frequency, reason: "not a multiple of 100 Hz") }
            let units = UInt32(frequency / 100)
            bytes += [UInt8(truncatingIfNeeded: units), UInt8(truncatingIfNeeded: units >> 8), UInt8(truncatingIfNeeded: units >> 16)]
        }
        bytes += [UInt8](repeating: 0, count: 15 - bytes.count)
        bytes.append(CFListType.frequencies.rawValue)
        return bytes
    }

    /// The 16-byte CFList (type 1) enabling `enabledChannels` in a join-accept (RP002-1.0.4 §2.3.2).
    ///
    /// Layout: ChMask0, ChMask1, … (16-bit little endian each, bit i of ChMask k = channel 16k + i; as
    /// many as the plan has channels: five for US915/AU915, four for CN470), RFU zeros up to byte 15,
    /// then the CFListType octet 1.
    /// - Throws: ``RegionalParametersError/unsupported(_:)`` on dynamic plans;
    ///   ``RegionalParametersError/unknownChannel(_:)`` for a channel outside the plan.
    public func cfList(enabledChannels: Set<Int>) throws(RegionalParametersError) -> [UInt8] {
        guard cfListType == .channelMask else { throw .unsupported("CFList type 1 (\(id) uses a frequency-list CFList)") }
        let masks = try channelMasks(enabledChannels)
        var bytes: [UInt8] = []
        for mask in masks {
            bytes += [UInt8(truncatingIfNeeded: mask), UInt8(truncatingIfNeeded: mask >> 8)]
        }
        bytes += [UInt8](repeating: 0, count: 15 - bytes.count)
        bytes.append(CFListType.channelMask.rawValue)
        return bytes
    }

    /// The CFList this network sends in a join-accept: for dynamic plans a type 0 list of the first
    /// five ``extraChannels`` (nil when the plan adds none); for fixed plans a type 1 mask of
    /// ``enabledUplinkChannels``.
    /// - Throws: the errors of ``cfList(frequencies:)`` and ``cfList(enabledChannels:)``.
    public func joinAcceptCFList() throws(RegionalParametersError) -> [UInt8]? {
        switch cfListType {
        case .frequencies:
            guard !extraChannels.isEmpty else { return nil }
            return try cfList(frequencies: extraChannels.prefix(5).map(\.frequency))
        case .channelMask:
            return try cfList(enabledChannels: enabledUplinkChannels)
        }
    }

    /// The number of channel indices a LinkADRReq can address: 16 in dynamic plans (the default
    /// channels plus those added by CFList or NewChannelReq), every uplink channel in fixed plans.
    var addressableChannelCount: Int {
        channelMaskScheme == .dynamic16 ? 16 : uplinkChannels.count
    }

    /// 16-bit masks, one per block of 16 channels; bit i of mask k = channel 16k + i.
    func channelMasks(_ enabledChannels: Set<Int>) throws(RegionalParametersError) -> [UInt16] {
        var masks = [UInt16](repeating: 0, count: (addressableChannelCount + 15) / 16)
        for channel in enabledChannels {
            guard (0..<addressableChannelCount).contains(channel) else { throw .unknownChannel(channel) }
            masks[channel / 16] |= UInt16(1) << UInt16(channel % 16)
        }
        return masks
    }
}
