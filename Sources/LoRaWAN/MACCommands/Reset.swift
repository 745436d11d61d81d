// ResetInd / ResetConf (CID 0x01, LoRaWAN 1.1 only): LoRaWAN 1.1 §5.1.
//
// An ABP device that supports 1.1 sends ResetInd in every uplink after a reset until it gets
// ResetConf. Both carry one octet: bits 7:4 RFU, 3:0 Minor (the LoRaWAN minor version; 1 = 1.1).

extension MACCommand {
    /// The device's LoRaWAN version after a reset (ABP devices).
    public struct ResetInd: Hashable, Sendable, Encodable {
        /// The device's LoRaWAN minor version (bits 3:0): 1 for LoRaWAN 1.1; 0 and 2–15 are RFU.
        public let minor: UInt8
        /// RFU bits 7:4 as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `minor` exceeds 15 or `rfu` sets bits outside 7:4.
        public init(minor: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(minor, bits: 4, "ResetInd.minor")
            try MACWire.checkRFU(rfu, mask: 0xF0, "ResetInd")
            self.minor = minor
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The network's answer to `ResetInd`, with the version it will use.
    public struct ResetConf: Hashable, Sendable, Encodable {
        /// The network's LoRaWAN minor version (bits 3:0): 1 for LoRaWAN 1.1; 0 and 2–15 are RFU.
        public let minor: UInt8
        /// RFU bits 7:4 as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `minor` exceeds 15 or `rfu` sets bits outside 7:4.
        public init(minor: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(minor, bits: 4, "ResetConf.minor")
            try MACWire.checkRFU(rfu, mask: 0xF0, "ResetConf")
            self.minor = minor
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.ResetInd: MACCommandPayload {
    static var kind: MACCommand.Kind { .resetInd }

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

extension MACCommand.ResetConf: MACCommandPayload {
    static var kind: MACCommand.Kind { .resetConf }

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
