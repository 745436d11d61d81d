// RXTimingSetupReq / RXTimingSetupAns (CID 0x08): LoRaWAN L2 1.0.4 §5.7 (tables 43–45), LoRaWAN 1.1 §5.8.
//
// RXTimingSetupReq (downlink), 1 octet RxTimingSettings: bits 7:4 RFU, 3:0 Del.
// The RX1 delay is Del seconds, except that Del 0 means 1 s. RXTimingSetupAns (uplink) has no payload.

extension MACCommand {
    /// Sets the delay between the end of an uplink and the opening of RX1.
    public struct RXTimingSetupReq: Hashable, Sendable, Encodable {
        /// Del (0–15): the RX1 delay in seconds, with 0 meaning 1 s.
        public let del: UInt8
        /// RFU bits 7:4 as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `del` exceeds 15 or `rfu` sets bits outside 7:4.
        public init(del: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(del, bits: 4, "RXTimingSetupReq.del")
            try MACWire.checkRFU(rfu, mask: 0xF0, "RXTimingSetupReq")
            self.del = del
            self.rfu = rfu
        }

        /// The RX1 delay in seconds (1–15).
        public var rx1DelaySeconds: Int { max(1, Int(del)) }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.RXTimingSetupReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .rxTimingSetupReq }

    init(reading r: MACPayloadReader) {
        del = r[0] & 0x0F
        rfu = r[0] & 0xF0
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xF0) | (del & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(del, "del")
        try c.encode(rx1DelaySeconds, "rx1DelaySeconds")
        try c.encodeRFU(rfu)
    }
}
