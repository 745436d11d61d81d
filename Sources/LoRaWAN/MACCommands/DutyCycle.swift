// DutyCycleReq / DutyCycleAns (CID 0x04): LoRaWAN L2 1.0.4 §5.3, LoRaWAN 1.1 §5.4.
//
// DutyCycleReq (downlink), 1 octet DutyCyclePL: bits 7:4 RFU, 3:0 MaxDCycle.
// The maximum aggregated duty cycle is 1 / 2^MaxDCycle; 0 means no limit beyond the regional one.
// DutyCycleAns (uplink) has no payload.

extension MACCommand {
    /// Sets the device's maximum aggregated transmit duty cycle.
    public struct DutyCycleReq: Hashable, Sendable, Encodable {
        /// MaxDCycle (0–15): the aggregated duty cycle limit is 1 / 2^maxDCycle.
        public let maxDCycle: UInt8
        /// RFU bits 7:4 as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `maxDCycle` exceeds 15 or `rfu` sets bits outside 7:4.
        public init(maxDCycle: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(maxDCycle, bits: 4, "DutyCycleReq.maxDCycle")
            try MACWire.checkRFU(rfu, mask: 0xF0, "DutyCycleReq")
            self.maxDCycle = maxDCycle
            self.rfu = rfu
        }

        /// The aggregated duty-cycle limit as a fraction of time (1 / 2^maxDCycle; 1 for 0, no limit).
        public var aggregatedDutyCycle: Double { 1 / Double(1 << Int(maxDCycle)) }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.DutyCycleReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .dutyCycleReq }

    init(reading r: MACPayloadReader) {
        maxDCycle = r[0] & 0x0F
        rfu = r[0] & 0xF0
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xF0) | (maxDCycle & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(maxDCycle, "maxDCycle")
        try c.encode(aggregatedDutyCycle, "aggregatedDutyCycle")
        try c.encodeRFU(rfu)
    }
}
