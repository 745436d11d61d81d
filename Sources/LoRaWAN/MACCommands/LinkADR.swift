// LinkADRReq / LinkADRAns (CID 0x03): LoRaWAN L2 1.0.4 §5.2 (tables 17–18 and following), LoRaWAN 1.1 §5.3.
//
// LinkADRReq (downlink), 4 octets:
//
//     | DataRate_TXPower (1) | ChMask (2, little endian) | Redundancy (1) |
//     DataRate_TXPower: bits 7:4 DataRate, 3:0 TXPower   (0xF in either: keep the current value, 1.0.4)
//     Redundancy:       bit 7 RFU, bits 6:4 ChMaskCntl, 3:0 NbTrans
//
// Bit n of ChMask enables channel n of the block that ChMaskCntl selects (regional parameters).
//
// LinkADRAns (uplink), 1 octet Status: bits 7:3 RFU, 2 Power ACK, 1 Data rate ACK, 0 Channel mask ACK.

extension MACCommand {
    /// Asks the device to change data rate, TX power, enabled channels and repetitions (ADR).
    public struct LinkADRReq: Hashable, Sendable, Encodable {
        /// Data rate index (0–15); its meaning is regional. 15 asks the device to keep its data rate (1.0.4).
        public let dataRate: UInt8
        /// TX power index (0–15); its meaning is regional. 15 asks the device to keep its power (1.0.4).
        public let txPower: UInt8
        /// Channel mask: bit n enables channel n of the block selected by `chMaskCntl`.
        public let chMask: UInt16
        /// Which block of channels `chMask` applies to, or a regional bulk operation (0–7).
        public let chMaskCntl: UInt8
        /// Number of transmissions of each unconfirmed uplink (0–15; 0 keeps the current value).
        public let nbTrans: UInt8
        /// The RFU bit of Redundancy as it appears in the octet (0 or 0x80).
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when a value does not fit its bit field.
        public init(dataRate: UInt8, txPower: UInt8, chMask: UInt16, chMaskCntl: UInt8, nbTrans: UInt8,
                    rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(dataRate, bits: 4, "LinkADRReq.dataRate")
            try MACWire.check(txPower, bits: 4, "LinkADRReq.txPower")
            try MACWire.check(chMaskCntl, bits: 3, "LinkADRReq.chMaskCntl")
            try MACWire.check(nbTrans, bits: 4, "LinkADRReq.nbTrans")
            try MACWire.checkRFU(rfu, mask: 0x80, "LinkADRReq")
            self.dataRate = dataRate
            self.txPower = txPower
            self.chMask = chMask
            self.chMaskCntl = chMaskCntl
            self.nbTrans = nbTrans
            self.rfu = rfu
        }

        /// The channel indices (0–15, within the block chosen by `chMaskCntl`) whose bit is set.
        public var enabledChannels: [Int] {
            (0..<16).filter { chMask & (1 << UInt16($0)) != 0 }
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The device's answer to `LinkADRReq`.
    public struct LinkADRAns: Hashable, Sendable, Encodable {
        /// The TX power was applied (or was 15, "keep").
        public let powerACK: Bool
        /// The data rate was applied (or was 15, "keep").
        public let dataRateACK: Bool
        /// The channel mask was applied.
        public let channelMaskACK: Bool
        /// RFU bits 7:3 of Status as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `rfu` sets bits outside 7:3.
        public init(powerACK: Bool, dataRateACK: Bool, channelMaskACK: Bool, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.checkRFU(rfu, mask: 0xF8, "LinkADRAns")
            self.powerACK = powerACK
            self.dataRateACK = dataRateACK
            self.channelMaskACK = channelMaskACK
            self.rfu = rfu
        }

        /// Whether every part of the request was accepted.
        public var allAccepted: Bool { powerACK && dataRateACK && channelMaskACK }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.LinkADRReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .linkADRReq }

    init(reading r: MACPayloadReader) {
        dataRate = r[0] >> 4
        txPower = r[0] & 0x0F
        chMask = r.uint16(at: 1)
        rfu = r[3] & 0x80
        chMaskCntl = (r[3] >> 4) & 0x07
        nbTrans = r[3] & 0x0F
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((dataRate & 0x0F) << 4 | (txPower & 0x0F))
        MACWire.appendUInt16(chMask, to: &buffer)
        buffer.append((rfu & 0x80) | (chMaskCntl & 0x07) << 4 | (nbTrans & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(dataRate, "dataRate")
        try c.encode(txPower, "txPower")
        try c.encode(chMask, "chMask")
        try c.encode(enabledChannels, "enabledChannels")
        try c.encode(chMaskCntl, "chMaskCntl")
        try c.encode(nbTrans, "nbTrans")
        try c.encodeRFU(rfu)
    }
}

extension MACCommand.LinkADRAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .linkADRAns }

    init(reading r: MACPayloadReader) {
        powerACK = r[0] & 0x04 != 0
        dataRateACK = r[0] & 0x02 != 0
        channelMaskACK = r[0] & 0x01 != 0
        rfu = r[0] & 0xF8
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xF8) | (powerACK ? 0x04 : 0) | (dataRateACK ? 0x02 : 0) | (channelMaskACK ? 0x01 : 0))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(powerACK, "powerACK")
        try c.encode(dataRateACK, "dataRateACK")
        try c.encode(channelMaskACK, "channelMaskACK")
        try c.encodeRFU(rfu)
    }
}
