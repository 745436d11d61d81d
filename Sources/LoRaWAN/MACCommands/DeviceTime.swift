// DeviceTimeReq / DeviceTimeAns (CID 0x0D): LoRaWAN L2 1.0.4 §5.9, LoRaWAN 1.1 §5.12.
//
// DeviceTimeReq (uplink) has no payload. DeviceTimeAns (downlink), 5 octets:
//
//     | Seconds since the GPS epoch (4, little endian) | Fractional second (1, in 1/256 s steps) |
//
// The time is that of the end of the uplink that carried DeviceTimeReq. The GPS epoch is
// 1980-01-06T00:00:00Z, and GPS time does not count leap seconds.

extension MACCommand {
    /// The network's GPS time, answering `DeviceTimeReq`.
    public struct DeviceTimeAns: Hashable, Sendable, Encodable {
        /// Whole seconds since the GPS epoch (1980-01-06T00:00:00Z), modulo 2^32.
        public let gpsSeconds: UInt32
        /// The fraction of a second in 1/256 s steps (0–255).
        public let fraction256: UInt8

        /// Every value of both fields is representable, so this initialiser cannot fail.
        public init(gpsSeconds: UInt32, fraction256: UInt8) {
            self.gpsSeconds = gpsSeconds
            self.fraction256 = fraction256
        }

        /// The time as seconds since the GPS epoch, fraction included.
        public var gpsTime: Double { Double(gpsSeconds) + Double(fraction256) / 256 }

        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.DeviceTimeAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .deviceTimeAns }

    init(reading r: MACPayloadReader) {
        gpsSeconds = r.uint32(at: 0)
        fraction256 = r[4]
    }

    func encodePayload(into buffer: inout [UInt8]) {
        MACWire.appendUInt32(gpsSeconds, to: &buffer)
        buffer.append(fraction256)
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(gpsSeconds, "gpsSeconds")
        try c.encode(fraction256, "fraction256")
        try c.encode(gpsTime, "gpsTime")
    }
}
