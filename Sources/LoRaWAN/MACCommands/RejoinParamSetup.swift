// RejoinParamSetupReq / RejoinParamSetupAns (CID 0x0F, LoRaWAN 1.1 only): LoRaWAN 1.1 §5.14.
//
// RejoinParamSetupReq (downlink), 1 octet: bits 7:4 MaxTimeN, 3:0 MaxCountN.
// The device sends a type-0 rejoin-request at least every 2^(MaxCountN + 4) uplinks and at least
// every 2^(MaxTimeN + 10) seconds.
// RejoinParamSetupAns (uplink), 1 octet Status: bits 7:1 RFU, 0 TimeOK.

extension MACCommand {
    /// Sets how often the device sends periodic type-0 rejoin-requests (1.1).
    public struct RejoinParamSetupReq: Hashable, Sendable, Encodable {
        /// MaxTimeN (0–15): at most 2^(maxTimeN + 10) seconds between rejoin-requests.
        public let maxTimeN: UInt8
        /// MaxCountN (0–15): at most 2^(maxCountN + 4) uplinks between rejoin-requests.
        public let maxCountN: UInt8

        /// - Throws: `LoRaWANError.invalidField` when a value exceeds 15.
        public init(maxTimeN: UInt8, maxCountN: UInt8) throws(LoRaWANError) {
            try MACWire.check(maxTimeN, bits: 4, "RejoinParamSetupReq.maxTimeN")
            try MACWire.check(maxCountN, bits: 4, "RejoinParamSetupReq.maxCountN")
            self.maxTimeN = maxTimeN
            self.maxCountN = maxCountN
        }

        /// The longest time between rejoin-requests, in seconds (2^(maxTimeN + 10)).
        public var maxTimeSeconds: Int { 1 << (Int(maxTimeN & 0x0F) + 10) }
        /// The most uplinks between rejoin-requests (2^(maxCountN + 4)).
        public var maxCount: Int { 1 << (Int(maxCountN & 0x0F) + 4) }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The device's answer to `RejoinParamSetupReq`.
    public struct RejoinParamSetupAns: Hashable, Sendable, Encodable {
        /// The device accepted the time limit (it always accepts the count limit).
        public let timeOK: Bool
        /// RFU bits 7:1 of Status as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `rfu` sets bit 0.
        public init(timeOK: Bool, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.checkRFU(rfu, mask: 0xFE, "RejoinParamSetupAns")
            self.timeOK = timeOK
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.RejoinParamSetupReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .rejoinParamSetupReq }

    init(reading r: MACPayloadReader) {
        maxTimeN = r[0] >> 4
        maxCountN = r[0] & 0x0F
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((maxTimeN & 0x0F) << 4 | (maxCountN & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(maxTimeN, "maxTimeN")
        try c.encode(maxCountN, "maxCountN")
        try c.encode(maxTimeSeconds, "maxTimeSeconds")
        try c.encode(maxCount, "maxCount")
    }
}

extension MACCommand.RejoinParamSetupAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .rejoinParamSetupAns }

    init(reading r: MACPayloadReader) {
        timeOK = r[0] & 0x01 != 0
        rfu = r[0] & 0xFE
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xFE) | (timeOK ? 0x01 : 0))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(timeOK, "timeOK")
        try c.encodeRFU(rfu)
    }
}
