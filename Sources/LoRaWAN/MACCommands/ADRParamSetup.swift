// ADRParamSetupReq / ADRParamSetupAns (CID 0x0C, LoRaWAN 1.1 only): LoRaWAN 1.1 §5.11.
//
// ADRParamSetupReq (downlink), 1 octet ADRparam: bits 7:4 Limit_exp, 3:0 Delay_exp.
// ADR_ACK_LIMIT = 2^Limit_exp and ADR_ACK_DELAY = 2^Delay_exp. ADRParamSetupAns (uplink) has no payload.

extension MACCommand {
    /// Sets ADR_ACK_LIMIT and ADR_ACK_DELAY, the ADR back-off parameters (1.1).
    public struct ADRParamSetupReq: Hashable, Sendable, Encodable {
        /// Limit_exp (0–15): ADR_ACK_LIMIT = 2^limitExp.
        public let limitExp: UInt8
        /// Delay_exp (0–15): ADR_ACK_DELAY = 2^delayExp.
        public let delayExp: UInt8

        /// - Throws: `LoRaWANError.invalidField` when an exponent exceeds 15.
        public init(limitExp: UInt8, delayExp: UInt8) throws(LoRaWANError) {
            try MACWire.check(limitExp, bits: 4, "ADRParamSetupReq.limitExp")
            try MACWire.check(delayExp, bits: 4, "ADRParamSetupReq.delayExp")
            self.limitExp = limitExp
            self.delayExp = delayExp
        }

        /// ADR_ACK_LIMIT (1–32768 uplinks).
        public var adrAckLimit: Int { 1 << Int(limitExp & 0x0F) }
        /// ADR_ACK_DELAY (1–32768 uplinks).
        public var adrAckDelay: Int { 1 << Int(delayExp & 0x0F) }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.ADRParamSetupReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .adrParamSetupReq }

    init(reading r: MACPayloadReader) {
        limitExp = r[0] >> 4
        delayExp = r[0] & 0x0F
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((limitExp & 0x0F) << 4 | (delayExp & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(limitExp, "limitExp")
        try c.encode(delayExp, "delayExp")
        try c.encode(adrAckLimit, "adrAckLimit")
        try c.encode(adrAckDelay, "adrAckDelay")
    }
}
