extension ChannelPlan {
    /// The shortest sequence of (ChMask, ChMaskCntl) blocks that leaves exactly `enabledChannels`
    /// enabled on the device, whatever it had enabled before.
    ///
    /// - Dynamic plans (EU868, AS923, …): one block with ChMaskCntl 0 whose ChMask bit i enables
    ///   channel i. (ChMaskCntl 6, "all defined channels on", depends on which channels the device
    ///   knows and is therefore never generated; ``applyChannelMaskBlocks(_:to:)`` understands it.)
    /// - US915/AU915: the shortest of (a) ChMaskCntl 0–3 + 4 for every block, (b) ChMaskCntl 6 (all
    ///   125 kHz on, ChMask = channels 64–71) followed by the 16-channel blocks that are not all on,
    ///   (c) ChMaskCntl 7 (all 125 kHz off, ChMask = channels 64–71) followed by the blocks that have
    ///   channels on, and, when `allowSubBandMask` is set, (d) ChMaskCntl 5 (bit n enables sub-band n:
    ///   channels 8n…8n+7 and 64+n; RP002-1.0.x only — RFU for devices on Regional Parameters 1.0.2 and
    ///   earlier) followed by corrections. Ties prefer (c), (b), (d), (a). Example: FSB2 (channels 8–15 +
    ///   65) → `[(0x0002, 7), (0xFF00, 0)]`, or `[(0x0002, 5)]` with `allowSubBandMask`.
    /// - CN470 20 MHz plans: the shorter of ChMaskCntl 0–3 for every block and ChMaskCntl 6 (all on)
    ///   followed by the blocks that are not all on.
    ///
    /// - Throws: ``RegionalParametersError/unknownChannel(_:)`` for a channel outside the plan,
    ///   ``RegionalParametersError/invalidArgument(_:)`` for an empty set (a device rejects a mask that
    ///   disables every channel).
    public func channelMaskBlocks(enabledChannels: Set<Int>, allowSubBandMask: Bool = false) throws(RegionalParametersError) -> [ChannelMaskBlock] {
        guard !enabledChannels.isEmpty else { throw .invalidArgument("at least one channel must stay enabled") }
        let masks = try channelMasks(enabledChannels)
        switch channelMaskScheme {
        case .dynamic16:
            return [ChannelMaskBlock(chMask: masks.first ?? 0, chMaskCntl: 0)]
        case .fixed64:
            let explicit = (0..<4).map { ChannelMaskBlock(chMask: masks[$0], chMaskCntl: UInt8($0)) }
            let allOn = [ChannelMaskBlock(chMask: 0, chMaskCntl: 6)]
                + (0..<4).filter { masks[$0] != 0xFFFF }.map { ChannelMaskBlock(chMask: masks[$0], chMaskCntl: UInt8($0)) }
            return allOn.count < explicit.count ? allOn : explicit
        case .fixed64Plus8:
            let high = masks[4]
            let allOff = [ChannelMaskBlock(chMask: high, chMaskCntl: 7)]
                + (0..<4).filter { masks[$0] != 0 }.map { ChannelMaskBlock(chMask: masks[$0], chMaskCntl: UInt8($0)) }
            let allOn = [ChannelMaskBlock(chMask: high, chMaskCntl: 6)]
                + (0..<4).filter { masks[$0] != 0xFFFF }.map { ChannelMaskBlock(chMask: masks[$0], chMaskCntl: UInt8($0)) }
            let explicit = (0..<5).map { ChannelMaskBlock(chMask: masks[$0], chMaskCntl: UInt8($0)) }
            var candidates = [allOff, allOn]
            if allowSubBandMask {
                // Sub-band n is switched on when its eight 125 kHz channels are all wanted; the blocks
                // that still differ afterwards are corrected explicitly.
                var banks: UInt16 = 0
                for n in 0..<8 where (masks[n / 2] >> UInt16((n % 2) * 8)) & 0xFF == 0xFF {
                    banks |= UInt16(1) << UInt16(n)
                }
                var subBand = [ChannelMaskBlock(chMask: banks, chMaskCntl: 5)]
                let state = try applyChannelMaskBlocks(subBand, to: [])
                let stateMasks = try channelMasks(state)
                for k in 0..<5 where stateMasks[k] != masks[k] {
                    subBand.append(ChannelMaskBlock(chMask: masks[k], chMaskCntl: UInt8(k)))
                }
                candidates.append(subBand)
            }
            candidates.append(explicit)
            var best = candidates[0]
            for candidate in candidates.dropFirst() where candidate.count < best.count {
                best = candidate
            }
            return best
        }
    }

    /// The LinkADRReq blocks that leave exactly this network's ``enabledUplinkChannels`` enabled.
    public func channelMaskBlocksForEnabledChannels(allowSubBandMask: Bool = false) throws(RegionalParametersError) -> [ChannelMaskBlock] {
        try channelMaskBlocks(enabledChannels: enabledUplinkChannels, allowSubBandMask: allowSubBandMask)
    }

    /// The channels a device has enabled after applying `blocks` in order to `enabledChannels`, as the
    /// device would (the inverse of ``channelMaskBlocks(enabledChannels:allowSubBandMask:)``). The
    /// network server uses it to track device state; tests use it to check generated blocks.
    ///
    /// `definedChannels` matters only for ChMaskCntl 6 in dynamic plans ("all currently defined
    /// channels on"): the channels the device has defined (default channels plus CFList/NewChannelReq
    /// ones). When nil, the plan's default channels plus the currently enabled ones are assumed.
    /// - Throws: ``RegionalParametersError/invalidArgument(_:)`` for a ChMaskCntl value that is RFU
    ///   in this region, or a mask that enables a channel the plan does not have.
    public func applyChannelMaskBlocks(_ blocks: [ChannelMaskBlock], to enabledChannels: Set<Int>, definedChannels: Set<Int>? = nil) throws(RegionalParametersError) -> Set<Int> {
        var state = enabledChannels
        let count = addressableChannelCount
        func set(block: Int, mask: UInt16, width: Int = 16) throws(RegionalParametersError) {
            for bit in 0..<16 {
                let channel = block * 16 + bit
                let on = mask & (UInt16(1) << UInt16(bit)) != 0
                if bit >= width || channel >= count {
                    if on { throw .invalidArgument("ChMask enables channel \(channel), which \(id) does not have") }
                    continue
                }
                if on { state.insert(channel) } else { state.remove(channel) }
            }
        }
        for block in blocks {
            switch (channelMaskScheme, block.chMaskCntl) {
            case (.dynamic16, 0):
                try set(block: 0, mask: block.chMask)
            case (.dynamic16, 6):
                state = definedChannels ?? state.union(0..<uplinkChannels.count)
            case (.fixed64, 0...3), (.fixed64Plus8, 0...3):
                try set(block: Int(block.chMaskCntl), mask: block.chMask)
            case (.fixed64, 6):
                state = Set(0..<count)
            case (.fixed64Plus8, 4):
                try set(block: 4, mask: block.chMask, width: 8)
            case (.fixed64Plus8, 5):
                guard block.chMask & 0xFF00 == 0 else { throw .invalidArgument("ChMaskCntl 5: ChMask bits 8–15 are RFU") }
                for n in 0..<8 {
                    let on = block.chMask & (UInt16(1) << UInt16(n)) != 0
                    for channel in (8 * n..<8 * n + 8) + [64 + n] {
                        if on { state.insert(channel) } else { state.remove(channel) }
                    }
                }
            case (.fixed64Plus8, 6), (.fixed64Plus8, 7):
                for channel in 0..<64 {
                    if block.chMaskCntl == 6 { state.insert(channel) } else { state.remove(channel) }
                }
                try set(block: 4, mask: block.chMask, width: 8)
            default:
                throw .invalidArgument("ChMaskCntl \(block.chMaskCntl) is RFU in \(id)")
            }
        }
        return state
    }
}
