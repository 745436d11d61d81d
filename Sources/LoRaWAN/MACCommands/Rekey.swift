// RekeyInd / RekeyConf (CID 0x0B, LoRaWAN 1.1 only): LoRaWAN 1.1 §5.10.
//
// An OTAA 1.1 device sends RekeyInd in every uplink after a join or rejoin until it gets RekeyConf,
// confirming the new security context. Both carry one octet: bits 7:4 RFU, 3:0 Minor (1 = 1.1).

extension MACCommand {
    /// The device confirms its new security context after a join (1.1).
    public struct RekeyInd: Hashable, Sendable, Encodable {
        /// The device's LoRaWAN minor version (bits 3:0): 1 for LoRaWAN 1.1; 0 and 2–15 are RFU.
        public let minor: UInt8
        /// RFU bits 7:4 as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `minor` exceeds 15 or `rfu` sets bits outside 7:4.
        public init(minor: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(minor, bits: 4, "RekeyInd.minor")
            try MACWire.checkRFU(rfu, mask: 0xF0, "RekeyInd")
            self.minor = minor
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The network's answer to `RekeyInd`.
    public struct RekeyConf: Hashable, Sendable, Encodable {
        /// The network's LoRaWAN minor version (bits 3:0): 1 for LoRaWAN 1.1; 0 and 2–15 are RFU.
        public let minor: UInt8
        /// RFU bits 7:4 as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `minor` exceeds 15 or `rfu` sets bits outside 7:4.
        public init(minor: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(minor, bits: 4, "RekeyConf.minor")
            try MACWire.checkRFU(rfu, mask: 0xF0, "RekeyConf")
            self.minor = minor
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.RekeyInd: MACCommandPayload {
    static var kind: MACCommand.Kind { .rekeyInd }

    init(reading r: MACPayloadReader) {
        minor = r[0] & 0x0F
        rfu = r[0] & 0xF0
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xF0) | (minor & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(minor, "minor")
        try c.encodeRFU(rfu)
    }
}

extension MACCommand.RekeyConf: MACCommandPayload {
    static var kind: MACCommand.Kind { .rekeyConf }

    init(reading r: MACPayloadReader) {
        minor = r[0] & 0x0F
        rfu = r[0] & 0xF0
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xF0) | (minor & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(minor, "minor")
        try c.encodeRFU(rfu)
    }
}
