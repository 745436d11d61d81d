// DevStatusReq / DevStatusAns (CID 0x06): LoRaWAN L2 1.0.4 §5.5, LoRaWAN 1.1 §5.6.
//
// DevStatusReq (downlink) has no payload. DevStatusAns (uplink), 2 octets:
//
//     | Battery (1) | RadioStatus (1) |
//     Battery:     0 = external power source, 1–254 = level from minimum to maximum, 255 = cannot measure
//     RadioStatus: bits 7:6 RFU, 5:0 SNR margin in dB of the last DevStatusReq, signed 6-bit (−32…31)

extension MACCommand {
    /// The device's battery level and demodulation margin.
    public struct DevStatusAns: Hashable, Sendable, Encodable {
        /// The battery octet as sent: 0 external power, 1–254 level, 255 unknown.
        public let battery: UInt8
        /// SNR in dB of the last `DevStatusReq`, rounded to the nearest integer (−32…31).
        public let marginDB: Int8
        /// RFU bits 7:6 of RadioStatus as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `marginDB` is outside −32…31 or `rfu` sets bits
        ///   outside 7:6.
        public init(battery: UInt8, marginDB: Int8, rfu: UInt8 = 0) throws(LoRaWANError) {
            guard (-32...31).contains(marginDB) else {
                throw .invalidField(name: "DevStatusAns.marginDB", reason: "\(marginDB) is outside the signed 6-bit range -32...31")
            }
            try MACWire.checkRFU(rfu, mask: 0xC0, "DevStatusAns")
            self.battery = battery
            self.marginDB = marginDB
            self.rfu = rfu
        }

        /// What the battery octet means.
        public enum BatteryLevel: Hashable, Sendable {
            /// The device is connected to an external power source (0).
            case externalPower
            /// Battery level from 1 (minimum) to 254 (maximum).
            case level(UInt8)
            /// The device could not measure its battery level (255).
            case unknown
        }

        /// The battery octet interpreted.
        public var batteryLevel: BatteryLevel {
            switch battery {
            case 0: return .externalPower
            case 255: return .unknown
            default: return .level(battery)
            }
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

extension MACCommand.DevStatusAns: MACCommandPayload {
    static var kind: MACCommand.Kind { .devStatusAns }

    init(reading r: MACPayloadReader) {
        battery = r[0]
        let raw = r[1] & 0x3F
        // Sign-extend the 6-bit two's complement value.
        marginDB = raw & 0x20 != 0 ? Int8(raw) - 64 : Int8(raw)
        rfu = r[1] & 0xC0
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append(battery)
        buffer.append((rfu & 0xC0) | (UInt8(bitPattern: marginDB) & 0x3F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(battery, "battery")
        switch batteryLevel {
        case .externalPower: try c.encode("external", "batteryStatus")
        case .unknown: try c.encode("unknown", "batteryStatus")
        case let .level(level):
            try c.encode("level", "batteryStatus")
            // 1 is the minimum and 254 the maximum level.
            try c.encode(Double(level - 1) / 253 * 100, "batteryPercent")
        }
        try c.encode(marginDB, "marginDB")
        try c.encodeRFU(rfu)
    }
}
