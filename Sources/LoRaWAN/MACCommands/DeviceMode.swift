// DeviceModeInd / DeviceModeConf (CID 0x20, class C, LoRaWAN 1.1 only): LoRaWAN 1.1 §18.1.
//
// Both carry one octet Class: 0x00 class A, 0x01 RFU, 0x02 class C, 0x03–0xFF RFU.
// The device sends DeviceModeInd in every uplink until it receives DeviceModeConf.

extension MACCommand {
    /// An operating class as DeviceModeInd/DeviceModeConf encode it.
    public enum DeviceClass: UInt8, Hashable, Sendable, Codable {
        /// Class A (0x00).
        case a = 0x00
        /// Class C (0x02).
        case c = 0x02
    }

    /// The device tells the network which class it operates in (1.1, class C).
    public struct DeviceModeInd: Hashable, Sendable, Encodable {
        /// The Class octet as sent (0x00 class A, 0x02 class C, anything else RFU).
        public let classValue: UInt8

        /// Every octet is representable (RFU values are kept), so this initialiser cannot fail.
        public init(classValue: UInt8) { self.classValue = classValue }

        /// Builds the indication for a defined class.
        public init(deviceClass: DeviceClass) { self.classValue = deviceClass.rawValue }

        /// The class, or `nil` for an RFU value.
        public var deviceClass: DeviceClass? { DeviceClass(rawValue: classValue) }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }

    /// The network confirms the class the device indicated (1.1, class C).
    public struct DeviceModeConf: Hashable, Sendable, Encodable {
        /// The Class octet as sent (0x00 class A, 0x02 class C, anything else RFU).
        public let classValue: UInt8

        /// Every octet is representable (RFU values are kept), so this initialiser cannot fail.
        public init(classValue: UInt8) { self.classValue = classValue }

        /// Builds the confirmation for a defined class.
        public init(deviceClass: DeviceClass) { self.classValue = deviceClass.rawValue }

        /// The class, or `nil` for an RFU value.
        public var deviceClass: DeviceClass? { DeviceClass(rawValue: classValue) }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws { try encodeStandalone(to: encoder) }
    }
}

/// The JSON spelling of a Class octet: "A", "C" or "RFU".
private func classLabel(_ value: UInt8) -> String {
    switch MACCommand.DeviceClass(rawValue: value) {
    case .a: return "A"
    case .c: return "C"
    case nil: return "RFU"
    }
}

extension MACCommand.DeviceModeInd: MACCommandPayload {
    static var kind: MACCommand.Kind { .deviceModeInd }

    init(reading r: MACPayloadReader) { self.init(classValue: r[0]) }

    func encodePayload(into buffer: inout [UInt8]) { buffer.append(classValue) }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(classValue, "classValue")
        try c.encode(classLabel(classValue), "class")
    }
}

extension MACCommand.DeviceModeConf: MACCommandPayload {
    static var kind: MACCommand.Kind { .deviceModeConf }

    init(reading r: MACPayloadReader) { self.init(classValue: r[0]) }

    func encodePayload(into buffer: inout [UInt8]) { buffer.append(classValue) }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try c.encode(classValue, "classValue")
        try c.encode(classLabel(classValue), "class")
    }
}
