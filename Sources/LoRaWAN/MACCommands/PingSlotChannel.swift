// PingSlotChannelReq / PingSlotChannelAns (CID 0x11, class B): LoRaWAN L2 1.0.4 §12 (table 61),
// LoRaWAN 1.1 §14 (class B MAC commands).
//
// PingSlotChannelReq (downlink), 4 octets:
//
//     | Frequency (3, little endian, 100 Hz steps; 0 restores the regional default) | DR (1) |
//     DR: bits 7:4 RFU, 3:0 data rate
//
// PingSlotChannelAns (uplink), 1 octet Status: bits 7:2 RFU, 1 Data rate OK, 0 Channel frequency OK.

extension MACCommand {
    /// Sets the unicast ping-slot frequency and data rate (class B).
    public struct PingSlotChannelReq: Hashable, Sendable, Encodable {
        /// Ping-slot frequency in Hz (a multiple of 100 Hz); 0 restores the regional default.
        public let frequencyHz: UInt32
        /// Ping-slot data rate index (0–15).
        public let dataRate: UInt8
        /// RFU bits 7:4 of the DR octet as they appear in it.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when a value does not fit its field.
        public init(frequencyHz: UInt32, dataRate: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            _ = try MACWire.frequencyField(hz: frequencyHz, "PingSlotChannelReq.frequencyHz")
            try MACWire.check(dataRate, bits: 4, "PingSlotChannelReq.dataRate")
            try MACWire.checkRFU(rfu, mask: 0xF0, "PingSlotChannelReq")
            self.frequencyHz = frequencyHz
            self.dataRate = dataRate
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The device's answer to `PingSlotChannelReq`.
    public struct PingSlotChannelAns: Hashable, Sendable, Encodable {
        /// The data rate is possible for the device.
        public let dataRateOK: Bool
        /// The device can use the frequency.
        public let channelFrequencyOK: Bool
        /// RFU bits 7:2 of Status as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `rfu` sets bits outside 7:2.
        public init(dataRateOK: Bool, channelFrequencyOK: Bool, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.checkRFU(rfu, mask: 0xFC, "PingSlotChannelAns")
            self.dataRateOK = dataRateOK
            self.channelFrequencyOK = channelFrequencyOK
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.PingSlotChannelReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .pingSlotChannelReq }

    init(reading r: MACPayloadReader) {
        frequencyHz = r.uint24(at: 0) * 100
        dataRate = r[3] & 0x0F
        rfu = r[3] & 0xF0
    }

    func encodePayload(into buffer: inout [UInt8]) {
        MACWire.appendUInt24(frequencyHz / 100, to: &buffer)
        buffer.append((rfu & 0xF0) | (dataRate & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(frequencyHz, "frequencyHz")
        try c.encode(dataRate, "dataRate")
        try c.encodeRFU(rfu)
    }
}

extension MACCommand.PingSlotChannelAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .pingSlotChannelAns }

    init(reading r: MACPayloadReader) {
        dataRateOK = r[0] & 0x02 != 0
        channelFrequencyOK = r[0] & 0x01 != 0
        rfu = r[0] & 0xFC
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xFC) | (dataRateOK ? 0x02 : 0) | (channelFrequencyOK ? 0x01 : 0))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(dataRateOK, "dataRateOK")
        try c.encode(channelFrequencyOK, "channelFrequencyOK")
        try c.encodeRFU(rfu)
    }
}
