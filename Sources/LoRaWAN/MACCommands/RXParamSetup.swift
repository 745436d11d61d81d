// RXParamSetupReq / RXParamSetupAns (CID 0x05): LoRaWAN L2 1.0.4 §5.4, LoRaWAN 1.1 §5.5.
//
// RXParamSetupReq (downlink), 4 octets:
//
//     | DLSettings (1) | Frequency (3, little endian, 100 Hz steps) |
//     DLSettings: bit 7 RFU, bits 6:4 RX1DROffset, 3:0 RX2DataRate
//
// RXParamSetupAns (uplink), 1 octet Status: bits 7:3 RFU, 2 RX1DROffset ACK, 1 RX2 data rate ACK,
// 0 Channel ACK.

extension MACCommand {
    /// Sets the RX1 data-rate offset and the RX2 data rate and frequency.
    public struct RXParamSetupReq: Hashable, Sendable, Encodable {
        /// Offset between the uplink data rate and the RX1 downlink data rate (0–7).
        public let rx1DROffset: UInt8
        /// RX2 data rate index (0–15).
        public let rx2DataRate: UInt8
        /// RX2 frequency in Hz (a multiple of 100 Hz, at most 1 677 721 500 Hz).
        public let frequencyHz: UInt32
        /// The RFU bit of DLSettings as it appears in the octet (0 or 0x80).
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when a value does not fit its field or the frequency
        ///   is not a multiple of 100 Hz.
        public init(rx1DROffset: UInt8, rx2DataRate: UInt8, frequencyHz: UInt32, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(rx1DROffset, bits: 3, "RXParamSetupReq.rx1DROffset")
            try MACWire.check(rx2DataRate, bits: 4, "RXParamSetupReq.rx2DataRate")
            _ = try MACWire.frequencyField(hz: frequencyHz, "RXParamSetupReq.frequencyHz")
            try MACWire.checkRFU(rfu, mask: 0x80, "RXParamSetupReq")
            self.rx1DROffset = rx1DROffset
            self.rx2DataRate = rx2DataRate
            self.frequencyHz = frequencyHz
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The device's answer to `RXParamSetupReq`.
    public struct RXParamSetupAns: Hashable, Sendable, Encodable {
        /// The RX1 data-rate offset was accepted.
        public let rx1DROffsetACK: Bool
        /// The RX2 data rate was accepted.
        public let rx2DataRateACK: Bool
        /// The RX2 frequency was accepted.
        public let channelACK: Bool
        /// RFU bits 7:3 of Status as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `rfu` sets bits outside 7:3.
        public init(rx1DROffsetACK: Bool, rx2DataRateACK: Bool, channelACK: Bool, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.checkRFU(rfu, mask: 0xF8, "RXParamSetupAns")
            self.rx1DROffsetACK = rx1DROffsetACK
            self.rx2DataRateACK = rx2DataRateACK
            self.channelACK = channelACK
            self.rfu = rfu
        }

        /// Whether every part of the request was accepted.
        public var allAccepted: Bool { rx1DROffsetACK && rx2DataRateACK && channelACK }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.RXParamSetupReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .rxParamSetupReq }

    init(reading r: MACPayloadReader) {
        rfu = r[0] & 0x80
        rx1DROffset = (r[0] >> 4) & 0x07
        rx2DataRate = r[0] & 0x0F
        frequencyHz = r.uint24(at: 1) * 100
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0x80) | (rx1DROffset & 0x07) << 4 | (rx2DataRate & 0x0F))
        MACWire.appendUInt24(frequencyHz / 100, to: &buffer)
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(rx1DROffset, "rx1DROffset")
        try c.encode(rx2DataRate, "rx2DataRate")
        try c.encode(frequencyHz, "frequencyHz")
        try c.encodeRFU(rfu)
    }
}

extension MACCommand.RXParamSetupAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .rxParamSetupAns }

    init(reading r: MACPayloadReader) {
        rx1DROffsetACK = r[0] & 0x04 != 0
        rx2DataRateACK = r[0] & 0x02 != 0
        channelACK = r[0] & 0x01 != 0
        rfu = r[0] & 0xF8
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xF8) | (rx1DROffsetACK ? 0x04 : 0) | (rx2DataRateACK ? 0x02 : 0) | (channelACK ? 0x01 : 0))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(rx1DROffsetACK, "rx1DROffsetACK")
        try c.encode(rx2DataRateACK, "rx2DataRateACK")
        try c.encode(channelACK, "channelACK")
        try c.encodeRFU(rfu)
    }
}
