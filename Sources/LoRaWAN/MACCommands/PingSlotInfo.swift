// PingSlotInfoReq / PingSlotInfoAns (CID 0x10, class B): LoRaWAN L2 1.0.4 §12.1 (table 62),
// LoRaWAN 1.1 §14 (class B MAC commands).
//
// PingSlotInfoReq (uplink), 1 octet PingSlotParam: bits 7:3 RFU, 2:0 Periodicity.
// The ping period is 2^Periodicity seconds (pingNb = 2^(7 − Periodicity) slots per 128 s beacon period).
// PingSlotInfoAns (downlink) has no payload.

extension MACCommand {
    /// The device's unicast ping-slot periodicity (class B).
    public struct PingSlotInfoReq: Hashable, Sendable, Encodable {
        /// Periodicity (0–7): one ping slot every 2^periodicity seconds.
        public let periodicity: UInt8
        /// RFU bits 7:3 as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `periodicity` exceeds 7 or `rfu` sets bits outside 7:3.
        public init(periodicity: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(periodicity, bits: 3, "PingSlotInfoReq.periodicity")
            try MACWire.checkRFU(rfu, mask: 0xF8, "PingSlotInfoReq")
            self.periodicity = periodicity
            self.rfu = rfu
        }

        /// Seconds between ping slots (1–128).
        public var pingPeriodSeconds: Int { 1 << Int(periodicity & 0x07) }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.PingSlotInfoReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .pingSlotInfoReq }

    init(reading r: MACPayloadReader) {
        periodicity = r[0] & 0x07
        rfu = r[0] & 0xF8
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xF8) | (periodicity & 0x07))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(periodicity, "periodicity")
        try c.encode(pingPeriodSeconds, "pingPeriodSeconds")
        try c.encodeRFU(rfu)
    }
}
