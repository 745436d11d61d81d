// NewChannelReq / NewChannelAns (CID 0x07): LoRaWAN L2 1.0.4 §5.6, LoRaWAN 1.1 §5.7.
//
// NewChannelReq (downlink), 5 octets:
//
//     | ChIndex (1) | Freq (3, little endian, 100 Hz steps; 0 disables the channel) | DrRange (1) |
//     DrRange: bits 7:4 MaxDR, 3:0 MinDR
//
// NewChannelAns (uplink), 1 octet Status: bits 7:2 RFU, 1 Data rate range OK, 0 Channel frequency OK.

extension MACCommand {
    /// Creates, modifies or (with frequency 0) disables an uplink channel.
    public struct NewChannelReq: Hashable, Sendable, Encodable {
        /// Index of the channel to create or modify.
        public let chIndex: UInt8
        /// Channel frequency in Hz (a multiple of 100 Hz); 0 disables the channel.
        public let frequencyHz: UInt32
        /// Lowest data rate allowed on the channel (0–15).
        public let minDR: UInt8
        /// Highest data rate allowed on the channel (0–15).
        public let maxDR: UInt8

        /// - Throws: `LoRaWANError.invalidField` when a data rate exceeds 15 or the frequency is not a
        ///   multiple of 100 Hz that fits 24 bits.
        public init(chIndex: UInt8, frequencyHz: UInt32, minDR: UInt8, maxDR: UInt8) throws(LoRaWANError) {
            _ = try MACWire.frequencyField(hz: frequencyHz, "NewChannelReq.frequencyHz")
            try MACWire.check(minDR, bits: 4, "NewChannelReq.minDR")
            try MACWire.check(maxDR, bits: 4, "NewChannelReq.maxDR")
            self.chIndex = chIndex
            self.frequencyHz = frequencyHz
            self.minDR = minDR
            self.maxDR = maxDR
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The device's answer to `NewChannelReq`.
    public struct NewChannelAns: Hashable, Sendable, Encodable {
        /// The data-rate range is compatible with the device.
        public let dataRateRangeOK: Bool
        /// The device can use the frequency.
        public let channelFrequencyOK: Bool
        /// RFU bits 7:2 of Status as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `rfu` sets bits outside 7:2.
        public init(dataRateRangeOK: Bool, channelFrequencyOK: Bool, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.checkRFU(rfu, mask: 0xFC, "NewChannelAns")
            self.dataRateRangeOK = dataRateRangeOK
            self.channelFrequencyOK = channelFrequencyOK
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.NewChannelReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .newChannelReq }

    init(reading r: MACPayloadReader) {
        chIndex = r[0]
        frequencyHz = r.uint24(at: 1) * 100
        maxDR = r[4] >> 4
        minDR = r[4] & 0x0F
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append(chIndex)
        MACWire.appendUInt24(frequencyHz / 100, to: &buffer)
        buffer.append((maxDR & 0x0F) << 4 | (minDR & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(chIndex, "chIndex")
        try c.encode(frequencyHz, "frequencyHz")
        try c.encode(minDR, "minDR")
        try c.encode(maxDR, "maxDR")
    }
}

extension MACCommand.NewChannelAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .newChannelAns }

    init(reading r: MACPayloadReader) {
        dataRateRangeOK = r[0] & 0x02 != 0
        channelFrequencyOK = r[0] & 0x01 != 0
        rfu = r[0] & 0xFC
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xFC) | (dataRateRangeOK ? 0x02 : 0) | (channelFrequencyOK ? 0x01 : 0))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(dataRateRangeOK, "dataRateRangeOK")
        try c.encode(channelFrequencyOK, "channelFrequencyOK")
        try c.encodeRFU(rfu)
    }
}
