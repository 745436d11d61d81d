// BeaconFreqReq / BeaconFreqAns (CID 0x13, class B): LoRaWAN L2 1.0.4 §12 (table 61),
// LoRaWAN 1.1 §14 (class B MAC commands).
//
// BeaconFreqReq (downlink), 3 octets: Frequency (little endian, 100 Hz steps; 0 restores the
// regional default beacon frequency).
// BeaconFreqAns (uplink), 1 octet Status: bits 7:1 RFU, 0 Beacon frequency OK.

extension MACCommand {
    /// Sets the frequency on which the device expects beacons (class B).
    public struct BeaconFreqReq: Hashable, Sendable, Encodable {
        /// Beacon frequency in Hz (a multiple of 100 Hz); 0 restores the regional default.
        public let frequencyHz: UInt32

        /// - Throws: `LoRaWANError.invalidField` when the frequency is not a multiple of 100 Hz that fits 24 bits.
        public init(frequencyHz: UInt32) throws(LoRaWANError) {
            _ = try MACWire.frequencyField(hz: frequencyHz, "BeaconFreqReq.frequencyHz")
            self.frequencyHz = frequencyHz
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The device's answer to `BeaconFreqReq`.
    public struct BeaconFreqAns: Hashable, Sendable, Encodable {
        /// The device can use the beacon frequency.
        public let beaconFrequencyOK: Bool
        /// RFU bits 7:1 of Status as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `rfu` sets bit 0.
        public init(beaconFrequencyOK: Bool, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.checkRFU(rfu, mask: 0xFE, "BeaconFreqAns")
            self.beaconFrequencyOK = beaconFrequencyOK
            self.rfu = rfu
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.BeaconFreqReq: MACCommandPayload {
    static var kind: MACCommand.Kind { .beaconFreqReq }

    init(reading r: MACPayloadReader) {
        frequencyHz = r.uint24(at: 0) * 100
    }

    func encodePayload(into buffer: inout [UInt8]) {
        MACWire.appendUInt24(frequencyHz / 100, to: &buffer)
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(frequencyHz, "frequencyHz")
    }
}

extension MACCommand.BeaconFreqAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .beaconFreqAns }

    init(reading r: MACPayloadReader) {
        beaconFrequencyOK = r[0] & 0x01 != 0
        rfu = r[0] & 0xFE
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xFE) | (beaconFrequencyOK ? 0x01 : 0))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(beaconFrequencyOK, "beaconFrequencyOK")
        try c.encodeRFU(rfu)
    }
}
