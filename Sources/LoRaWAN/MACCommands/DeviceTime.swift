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

        /// Builds the answer for a time measured from the GPS epoch, rounding the fraction down to
        /// the 1/256 s step below it.
        ///
        /// - Throws: `LoRaWANError.invalidField` when the time is before the epoch or does not fit the
        ///   32-bit seconds field (after 2116-02-07).
        public init(timeSinceGPSEpoch time: Duration) throws(LoRaWANError) {
            let (seconds, attoseconds) = time.components
            guard seconds >= 0, attoseconds >= 0 else {
                throw .invalidField(name: "DeviceTimeAns.timeSinceGPSEpoch", reason: "\(time) is before the GPS epoch")
            }
            guard seconds <= Int64(UInt32.max) else {
                throw .invalidField(name: "DeviceTimeAns.timeSinceGPSEpoch", reason: "\(seconds) s does not fit the 32-bit seconds field")
            }
            gpsSeconds = UInt32(seconds)
            // One 1/256 s step is 3_906_250_000_000_000 attoseconds; attoseconds < 10^18, so the quotient is < 256.
            fraction256 = UInt8(attoseconds / 3_906_250_000_000_000)
        }

        /// The time as seconds since the GPS epoch, fraction included.
        public var gpsTime: Double { Double(gpsSeconds) + Double(fraction256) / 256 }

        /// The time since the GPS epoch as a `Duration` (exact: 1/256 s is 3 906 250 ns).
        public var timeSinceGPSEpoch: Duration {
            .seconds(Int64(gpsSeconds)) + .nanoseconds(Int64(fraction256) * 3_906_250)
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
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
