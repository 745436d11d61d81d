// ForceRejoinReq (CID 0x0E, downlink, LoRaWAN 1.1 only): LoRaWAN 1.1 §5.13. There is no answer.
//
// Payload: one 16-bit field, little endian (low octet first):
//
//     bits 15:14 RFU, 13:11 Period, 10:8 Max_Retries, 7 RFU, 6:4 RejoinType, 3:0 DR
//
// The device waits 32 s × 2^Period + a random 0–32 s between retransmissions, sends at most
// Max_Retries + 1 rejoin-requests, of type 0 (RejoinType 0 or 1) or 2 (RejoinType 2; 3–7 are RFU),
// at data rate DR.

extension MACCommand {
    /// Asks the device to send rejoin-requests immediately (1.1).
    public struct ForceRejoinReq: Hashable, Sendable, Encodable {
        /// Period (0–7): the delay between retransmissions is 32 s × 2^period plus up to 32 s.
        public let period: UInt8
        /// Max_Retries (0–7): the device sends at most maxRetries + 1 rejoin-requests.
        public let maxRetries: UInt8
        /// RejoinType (0–7): 0 or 1 ask for a type-0 rejoin-request, 2 for type 2; 3–7 are RFU.
        public let rejoinType: UInt8
        /// Data rate index (0–15) for the rejoin-requests.
        public let dataRate: UInt8
        /// The RFU bits (15:14 and 7) as they appear in the 16-bit field.
        public let rfu: UInt16

        /// - Throws: `LoRaWANError.invalidField` when a value does not fit its bit field.
        public init(period: UInt8, maxRetries: UInt8, rejoinType: UInt8, dataRate: UInt8, rfu: UInt16 = 0) throws(LoRaWANError) {
            try MACWire.check(period, bits: 3, "ForceRejoinReq.period")
            try MACWire.check(maxRetries, bits: 3, "ForceRejoinReq.maxRetries")
            try MACWire.check(rejoinType, bits: 3, "ForceRejoinReq.rejoinType")
            try MACWire.check(dataRate, bits: 4, "ForceRejoinReq.dataRate")
            guard rfu & ~Self.rfuMask == 0 else {
                throw .invalidField(name: "ForceRejoinReq.rfu",
                                    reason: "0x\(String(rfu, radix: 16)) sets bits outside the RFU mask 0xc080")
            }
            self.period = period
            self.maxRetries = maxRetries
            self.rejoinType = rejoinType
            self.dataRate = dataRate
            self.rfu = rfu
        }

        static let rfuMask: UInt16 = 0xC080

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.ForceRejoinReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .forceRejoinReq }

    init(reading r: MACPayloadReader) {
        let v = r.uint16(at: 0)
        rfu = v & Self.rfuMask
        period = UInt8(truncatingIfNeeded: v >> 11) & 0x07
        maxRetries = UInt8(truncatingIfNeeded: v >> 8) & 0x07
        rejoinType = UInt8(truncatingIfNeeded: v >> 4) & 0x07
        dataRate = UInt8(truncatingIfNeeded: v) & 0x0F
    }

    func encodePayload(into buffer: inout [UInt8]) {
        let v = (rfu & Self.rfuMask)
            | UInt16(period & 0x07) << 11
            | UInt16(maxRetries & 0x07) << 8
            | UInt16(rejoinType & 0x07) << 4
            | UInt16(dataRate & 0x0F)
        MACWire.appendUInt16(v, to: &buffer)
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(period, "period")
        try c.encode(maxRetries, "maxRetries")
        try c.encode(rejoinType, "rejoinType")
        try c.encode(dataRate, "dataRate")
        if rfu != 0 { try c.encode(rfu, "rfu") }
    }
}
