/// Shared machinery for the fixed-length MAC command payloads.
///
/// Every payload type in this folder conforms to `MACCommandPayload`: it knows its own command
/// (`kind`), can be read from exactly `kind.payloadLength` bytes (every bit pattern is valid,
/// because RFU bits are kept so that a parsed command re-encodes to the same bytes) and writes
/// itself back. Validation happens in the public initialisers, so a value that exists always fits
/// its wire fields and encoding never traps.
protocol MACCommandPayload: Hashable, Sendable, Encodable {
    /// The command this payload belongs to (CID, direction, spec name, length).
    static var kind: MACCommand.Kind { get }
    /// Reads the payload; `reader` holds at least `kind.payloadLength` bytes.
    init(reading reader: MACPayloadReader)
    /// Appends exactly `kind.payloadLength` bytes.
    func encodePayload(into buffer: inout [UInt8])
    /// Writes the payload's JSON fields (lowerCamel, units in the name where useful).
    func encodeFields(into container: inout KeyedEncodingContainer<MACFieldKey>) throws
}

extension MACCommandPayload {
    /// The body of every payload's `Encodable.encode(to:)`: a flat object of its fields.
    func encodeStandalone(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: MACFieldKey.self)
        try encodeFields(into: &container)
    }
}

/// A JSON key given by its spelling; the payloads have many different field names.
struct MACFieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ stringValue: String) { self.stringValue = stringValue }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

extension KeyedEncodingContainer where K == MACFieldKey {
    /// Encodes `value` under the key spelled `key`.
    mutating func encode(_ value: some Encodable, _ key: String) throws {
        try encode(value, forKey: MACFieldKey(key))
    }

    /// Encodes the RFU bits only when some are set, so that the common case stays uncluttered.
    mutating func encodeRFU(_ rfu: UInt8) throws {
        if rfu != 0 { try encode(rfu, forKey: MACFieldKey("rfu")) }
    }
}

/// Read access to one command's payload inside a larger buffer. The caller has checked that the
/// payload's full length is present, so the offsets used by each payload type are in bounds.
struct MACPayloadReader {
    let bytes: [UInt8]
    let start: Int

    subscript(offset: Int) -> UInt8 { bytes[start + offset] }

    /// A little-endian 16-bit field at `offset`.
    func uint16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    /// A little-endian 24-bit field at `offset` (frequencies).
    func uint24(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
    }

    /// A little-endian 32-bit field at `offset`.
    func uint32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8
            | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 3]) << 24
    }
}

/// Little-endian writers and field validation shared by the payload types.
enum MACWire {
    static func appendUInt16(_ value: UInt16, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    static func appendUInt24(_ value: UInt32, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
    }

    static func appendUInt32(_ value: UInt32, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
        buffer.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    /// Checks that `value` fits in an unsigned field `bits` wide.
    static func check(_ value: UInt8, bits: Int, _ name: String) throws(LoRaWANError) {
        let limit = (1 << bits) - 1
        guard Int(value) <= limit else {
            throw .invalidField(name: name, reason: "\(value) does not fit in \(bits) bits (0...\(limit))")
        }
    }

    /// Checks that only the bits in `mask` are set in an RFU value given in place (unshifted).
    static func checkRFU(_ value: UInt8, mask: UInt8, _ command: String) throws(LoRaWANError) {
        guard value & ~mask == 0 else {
            throw .invalidField(
                name: "\(command).rfu",
                reason: "0x\(String(value, radix: 16)) sets bits outside the RFU mask 0x\(String(mask, radix: 16))")
        }
    }

    /// The largest frequency a 24-bit field in 100 Hz steps can carry.
    static let maximumFrequencyHz: UInt32 = 0xFF_FFFF * 100

    /// Converts a frequency in Hz to the 24-bit wire value in 100 Hz steps. Every frequency field of
    /// the MAC commands (RXParamSetupReq, NewChannelReq, DlChannelReq, PingSlotChannelReq,
    /// BeaconFreqReq; LoRaWAN L2 1.0.4 §5.4, §5.6, §12) is a 24-bit unsigned integer whose value
    /// times 100 is the frequency in Hz.
    static func frequencyField(hz: UInt32, _ name: String) throws(LoRaWANError) -> UInt32 {
        guard hz % 100 == 0 else {
            throw .invalidField(name: name, reason: "\(hz) Hz is not a multiple of 100 Hz")
        }
        guard hz <= maximumFrequencyHz else {
            throw .invalidField(name: name, reason: "\(hz) Hz exceeds the 24-bit maximum \(maximumFrequencyHz) Hz")
        }
        return hz / 100
    }
}
