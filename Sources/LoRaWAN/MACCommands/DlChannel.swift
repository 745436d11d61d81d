// DlChannelReq / DlChannelAns (CID 0x0A): LoRaWAN L2 1.0.4 §5.6, LoRaWAN 1.1 §5.7.
//
// DlChannelReq (downlink), 4 octets:
//
//     | ChIndex (1) | Freq (3, little endian, 100 Hz steps) |
//
// DlChannelAns (uplink), 1 octet Status: bits 7:2 RFU, 1 Uplink frequency exists, 0 Channel frequency OK.

extension MACCommand {
    /// Moves the RX1 downlink frequency of a channel away from its uplink frequency.
    public struct DlChannelReq: Hashable, Sendable, Encodable {
        /// Index of the channel whose downlink frequency changes.
        public let chIndex: UInt8
        /// RX1 downlink frequency in Hz (a multiple of 100 Hz).
        public let frequencyHz: UInt32

        /// - Throws: `LoRaWANError.invalidField` when the frequency is not a multiple of 100 Hz that fits 24 bits.
        public init(chIndex: UInt8, frequencyHz: UInt32) throws(LoRaWANError) {
            _ = try MACWire.frequencyField(hz: frequencyHz, "DlChannelReq.frequencyHz")
            self.chIndex = chIndex
            self.frequencyHz = frequencyHz
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The device's answer to `DlChannelReq`.
    public struct DlChannelAns: Hashable, Sendable, Encodable {
        /// The channel has an uplink frequency (it was defined before).
        public let uplinkFrequencyExists: Bool
        /// The device can use the downlink frequency.
        public let channelFrequencyOK: Bool
        /// RFU bits 7:2 of Status as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `rfu` sets bits outside 7:2.
        public init(uplinkFrequencyExists: Bool, channelFrequencyOK: Bool, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.checkRFU(rfu, mask: 0xFC, "DlChannelAns")
            self.uplinkFrequencyExists = uplinkFrequencyExists
            self.channelFrequencyOK = channelFrequencyOK
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.DlChannelReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .dlChannelReq }

    init(reading r: MACPayloadReader) {
        chIndex = r[0]
        frequencyHz = r.uint24(at: 1) * 100
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append(chIndex)
        MACWire.appendUInt24(frequencyHz / 100, to: &buffer)
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(chIndex, "chIndex")
        try c.encode(frequencyHz, "frequencyHz")
    }
}

extension MACCommand.DlChannelAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .dlChannelAns }

    init(reading r: MACPayloadReader) {
        uplinkFrequencyExists = r[0] & 0x02 != 0
        channelFrequencyOK = r[0] & 0x01 != 0
        rfu = r[0] & 0xFC
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xFC) | (uplinkFrequencyExists ? 0x02 : 0) | (channelFrequencyOK ? 0x01 : 0))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(uplinkFrequencyExists, "uplinkFrequencyExists")
        try c.encode(channelFrequencyOK, "channelFrequencyOK")
        try c.encodeRFU(rfu)
    }
}
