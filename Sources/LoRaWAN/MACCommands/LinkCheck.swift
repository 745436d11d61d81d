// LinkCheckReq / LinkCheckAns (CID 0x02): LoRaWAN L2 1.0.4 §5.1 (table 16), LoRaWAN 1.1 §5.2.
//
// LinkCheckReq (uplink) has no payload. LinkCheckAns (downlink) layout:
//
//     | Margin (1) | GwCnt (1) |
//
// Margin is the link margin in dB of the last LinkCheckReq above the demodulation floor (0–254;
// 255 is reserved). GwCnt is the number of gateways that received that LinkCheckReq.

extension MACCommand {
    /// The network's answer to `LinkCheckReq`: link margin and gateway count.
    public struct LinkCheckAns: Hashable, Sendable, Encodable {
        /// Link margin in dB above the demodulation floor of the uplink that carried the
        /// `LinkCheckReq` (0–254; 255 is reserved by the specification but kept as received).
        public let marginDB: UInt8
        /// The number of gateways that received that uplink.
        public let gwCnt: UInt8

        /// Every value of both octets is representable, so this initialiser cannot fail.
        public init(marginDB: UInt8, gwCnt: UInt8) {
            self.marginDB = marginDB
            self.gwCnt = gwCnt
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.LinkCheckAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .linkCheckAns }

    init(reading r: MACPayloadReader) {
        self.init(marginDB: r[0], gwCnt: r[1])
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append(marginDB)
        buffer.append(gwCnt)
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(marginDB, "marginDB")
        try c.encode(gwCnt, "gwCnt")
    }
}
