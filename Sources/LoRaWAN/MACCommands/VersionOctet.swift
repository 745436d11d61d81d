// ResetInd / ResetConf (CID 0x01): LoRaWAN 1.1 §5.1 — an ABP 1.1 device sends ResetInd in every
// uplink after a reset until it gets ResetConf.
// RekeyInd / RekeyConf (CID 0x0B): LoRaWAN 1.1 §5.10 — an OTAA 1.1 device sends RekeyInd in every
// uplink after a join or rejoin until it gets RekeyConf, confirming its new security context.
//
// All four carry the same single octet: bits 7:4 RFU, 3:0 Minor (the LoRaWAN minor version;
// 1 = 1.1). They share one implementation, `MACCommand.VersionOctet`, told apart by a tag type, so
// the wire format, validation and JSON exist once; the public names are type aliases.

extension MACCommand {
    /// The device's LoRaWAN version after a reset (ABP devices, 1.1).
    public typealias ResetInd = VersionOctet<ResetIndTag>
    /// The network's answer to `ResetInd`, with the version it will use.
    public typealias ResetConf = VersionOctet<ResetConfTag>
    /// The device confirms its new security context after a join (1.1).
    public typealias RekeyInd = VersionOctet<RekeyIndTag>
    /// The network's answer to `RekeyInd`.
    public typealias RekeyConf = VersionOctet<RekeyConfTag>

    /// The payload of the four LoRaWAN 1.1 commands that carry only a version: one octet with the
    /// minor version in bits 3:0 and RFU bits 7:4 (kept as received, so a parsed command re-encodes
    /// to the same byte).
    public struct VersionOctet<Tag: VersionOctetTag>: Hashable, Sendable, Encodable {
        /// The LoRaWAN minor version (bits 3:0): 1 for LoRaWAN 1.1; 0 and 2–15 are RFU.
        public let minor: UInt8
        /// RFU bits 7:4 as they appear in the octet.
        public let rfu: UInt8

        /// - Throws: `LoRaWANError.invalidField` when `minor` exceeds 15 or `rfu` sets bits outside 7:4.
        public init(minor: UInt8, rfu: UInt8 = 0) throws(LoRaWANError) {
            try MACWire.check(minor, bits: 4, "\(Tag.commandName).minor")
            try MACWire.checkRFU(rfu, mask: 0xF0, Tag.commandName)
            self.minor = minor
            self.rfu = rfu
        }

        init(octet: UInt8) {
            minor = octet & 0x0F
            rfu = octet & 0xF0
        }

        /// Encodes the payload's fields as a flat JSON object (without `cid` and `name`; encode the
        /// enclosing ``MACCommand`` to get those too).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: MACFieldKey.self)
            try writeFields(into: &container)
        }

        func writeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
            try c.encode(minor, "minor")
            try c.encodeRFU(rfu)
        }
    }

    /// Tells the four version-octet commands apart; only this module defines conforming types.
    public protocol VersionOctetTag: Sendable {
        /// The command's name in the specification (used in validation errors).
        static var commandName: String { get }
    }

    /// Tag of ``ResetInd``.
    public enum ResetIndTag: VersionOctetTag, VersionOctetKind {
        public static var commandName: String { "ResetInd" }
        static var kind: MACCommand.Kind { .resetInd }
    }

    /// Tag of ``ResetConf``.
    public enum ResetConfTag: VersionOctetTag, VersionOctetKind {
        public static var commandName: String { "ResetConf" }
        static var kind: MACCommand.Kind { .resetConf }
    }

    /// Tag of ``RekeyInd``.
    public enum RekeyIndTag: VersionOctetTag, VersionOctetKind {
        public static var commandName: String { "RekeyInd" }
        static var kind: MACCommand.Kind { .rekeyInd }
    }

    /// Tag of ``RekeyConf``.
    public enum RekeyConfTag: VersionOctetTag, VersionOctetKind {
        public static var commandName: String { "RekeyConf" }
        static var kind: MACCommand.Kind { .rekeyConf }
    }
}

/// The command-table entry behind a version-octet tag (internal: the table is not public API).
protocol VersionOctetKind {
    static var kind: MACCommand.Kind { get }
}

extension MACCommand.VersionOctet: MACCommandPayload where Tag: VersionOctetKind {
    static var kind: MACCommand.Kind { Tag.kind }

    init(reading r: MACPayloadReader) {
        self.init(octet: r[0])
    }

    func encodePayload(into buffer: inout [UInt8]) {
        buffer.append((rfu & 0xF0) | (minor & 0x0F))
    }

    func encodeFields(into c: inout KeyedEncodingContainer<MACFieldKey>) throws {
        try writeFields(into: &c)
    }
}
