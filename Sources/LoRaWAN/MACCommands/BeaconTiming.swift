// BeaconTimingReq / BeaconTimingAns (CID 0x12, class B): defined in LoRaWAN 1.0.2 class B §14.4–14.5,
// deprecated in LoRaWAN L2 1.0.4 §12 (table 61) and LoRaWAN 1.1 §14 (the CID stays reserved).
//
// BeaconTimingReq (uplink) has no payload. BeaconTimingAns (downlink), 3 octets:
//
//     | Delay (2, little endian) | Channel (1) |
//
// The next beacon starts RTime after the end of the downlink, with 30 ms × (Delay + 1) > RTime ≥
// 30 ms × Delay. Channel is the index of the beacon channel (0 where the beacon frequency is fixed).

extension MACCommand {
    /// The time to the next beacon and its channel (deprecated class B command, kept for 1.0.x devices).
    public struct BeaconTimingAns: Hashable, Sendable, Encodable {
        /// Time to the next beacon in 30 ms steps (the beacon starts within [30 ms × delay, 30 ms × (delay + 1))).
        public let delay: UInt16
        /// Index of the beacon channel for the next beacon.
        public let channel: UInt8

        /// Every value of both fields is representable, so this initialiser cannot fail.
        public init(delay: UInt16, channel: UInt8) {
            self.delay = delay
            self.channel = channel
        }

        /// The earliest time to the next beacon in milliseconds (30 ms × delay).
        public var delayMs: Int { 30 * Int(delay) }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.BeaconTimingAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .beaconTimingAns }

    init(reading r: MACPayloadReader) {
        delay = r.uint16(at: 0)
        channel = r[2]
    }

    func encodePayload(into buffer: inout [UInt8]) {
        MACWire.appendUInt16(delay, to: &buffer)
        buffer.append(channel)
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(delay, "delay")
        try c.encode(delayMs, "delayMs")
        try c.encode(channel, "channel")
    }
}
