// TxParamSetupReq / TxParamSetupAns (CID 0x09): LoRaWAN L2 1.0.4 §5.8 (tables 46–49, where it is
// spelled TXParamSetupReq), LoRaWAN 1.1 §5.9.
//
// TxParamSetupReq (downlink), 1 octet EIRP_DwellTime:
//
//     bits 7:6 RFU, 5 DownlinkDwellTime, 4 UplinkDwellTime, 3:0 MaxEIRP
//
// A dwell-time bit of 1 limits each transmission to 400 ms; 0 means no limit. MaxEIRP indexes the
// table 8, 10, 12, 13, 14, 16, 18, 20, 21, 24, 26, 27, 29, 30, 33, 36 dBm.
// TxParamSetupAns (uplink) has no payload.

extension MACCommand {
    /// Sets dwell-time limits and the maximum EIRP where regulations need them (e.g. AS923).
    public struct TxParamSetupReq: Hashable, Sendable, Encodable {
        /// Downlink transmissions are limited to 400 ms dwell time.
        public let downlinkDwellTime: Bool
        /// Uplink transmissions are limited to 400 ms dwell time.
        public let uplinkDwellTime: Bool
        /// MaxEIRP index (0–15) into ``maxEIRPTable``.
        public let maxEIRP: UInt8
        /// RFU bits 7:6 as they appear in the octet.
        public let rfu: UInt8

        /// The EIRP in dBm that each MaxEIRP index stands for (L2 1.0.4 table 48, 1.1 §5.9).
        public static let maxEIRPTable: [Int] = [8, 10, 12, 13, 14, 16, 18, 20, 21, 24, 26, 27, 29, 30, 33, 36]

        /// - Throws: `LoRaWANError.invalidField` when `maxEIRP` exceeds 15 or `rfu` sets bits outside 7:6.
        public init(downlinkDwellTime: Bool, uplinkDwellTime: Bool, maxEIRP: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(maxEIRP, bits: 4, "TxParamSetupReq.maxEIRP")
            try MACWire.checkRFU(rfu, mask: 0xC0, "TxParamSetupReq")
            self.downlinkDwellTime = downlinkDwellTime
            self.uplinkDwellTime = uplinkDwellTime
            self.maxEIRP = maxEIRP
            self.rfu = rfu
        }

        /// The maximum EIRP in dBm.
        public var maxEIRPdBm: Int { Self.maxEIRPTable[Int(maxEIRP & 0x0F)] }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.TxParamSetupReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .txParamSetupReq }

    init(reading r: MACPayloadReader) {
        rfu = r[0] & 0xC0
        downlinkDwellTime = r[0] & 0x20 != 0
        uplinkDwellTime = r[0] & 0x10 != 0
        maxEIRP = r[0] & 0x0F
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xC0) | (downlinkDwellTime ? 0x20 : 0) | (uplinkDwellTime ? 0x10 : 0) | (maxEIRP & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(downlinkDwellTime, "downlinkDwellTime")
        try c.encode(uplinkDwellTime, "uplinkDwellTime")
        try c.encode(maxEIRP, "maxEIRP")
        try c.encode(maxEIRPdBm, "maxEIRPdBm")
        try c.encodeRFU(rfu)
    }
}
