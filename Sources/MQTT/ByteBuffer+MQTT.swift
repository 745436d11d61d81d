public import NIOCore

// Primitive MQTT data types (MQTT 5.0 §1.5): two-byte integers, four-byte integers, variable byte
// integers, UTF-8 encoded strings, binary data and string pairs. Readers never trap: a short
// buffer gives `MQTTError.truncated(field:)`.

extension ByteBuffer {
    @inlinable
    mutating func readMQTTByte(_ field: String) throws(MQTTError) -> UInt8 {
        guard let v = readInteger(as: UInt8.self) else { throw .truncated(field: field) }
        return v
    }

    @inlinable
    mutating func readMQTTUInt16(_ field: String) throws(MQTTError) -> UInt16 {
        guard let v = readInteger(endianness: .big, as: UInt16.self) else { throw .truncated(field: field) }
        return v
    }

    @inlinable
    mutating func readMQTTUInt32(_ field: String) throws(MQTTError) -> UInt32 {
        guard let v = readInteger(endianness: .big, as: UInt32.self) else { throw .truncated(field: field) }
        return v
    }

    /// MQTT 5.0 §1.5.5: at most four bytes, seven bits each, least significant group first.
    mutating func readMQTTVariableInteger(_ field: String) throws(MQTTError) -> UInt32 {
        var value: UInt32 = 0
        var shift: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = readInteger(as: UInt8.self) else { throw .truncated(field: field) }
            value |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw .malformedRemainingLength
    }

    mutating func readMQTTBinary(_ field: String) throws(MQTTError) -> [UInt8] {
        let length = Int(try readMQTTUInt16(field))
        guard let bytes = readBytes(length: length) else { throw .truncated(field: field) }
        return bytes
    }

    /// MQTT 5.0 §1.5.4: well-formed UTF-8 without U+0000.
    mutating func readMQTTString(_ field: String) throws(MQTTError) -> String {
        let length = Int(try readMQTTUInt16(field))
        guard var view = readSlice(length: length) else { throw .truncated(field: field) }
        return try view.readMQTTStringBody(field)
    }

    /// The whole readable content as an MQTT string (the length prefix already read).
    mutating func readMQTTStringBody(_ field: String) throws(MQTTError) -> String {
        let bytes = readableBytesView
        if bytes.contains(0) { throw .invalidUTF8(field: field) }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        moveReaderIndex(to: writerIndex)
        return s
    }

    /// Whether the readable bytes are exactly the UTF-8 of `s` (compared as memory, not per element).
    func hasBytes(of s: String) -> Bool {
        withUnsafeReadableBytes { mine in
            s.utf8.withContiguousStorageIfAvailable { theirs in
                mine.count == theirs.count && mine.elementsEqual(UnsafeRawBufferPointer(theirs))
            } ?? mine.elementsEqual(s.utf8)
        }
    }

    @inlinable
    mutating func writeMQTTUInt16(_ v: UInt16) { writeInteger(v, endianness: .big) }

    @inlinable
    mutating func writeMQTTUInt32(_ v: UInt32) { writeInteger(v, endianness: .big) }

    /// Writes a variable byte integer (MQTT 5.0 §1.5.5). `value` must be below 268,435,456.
    mutating func writeMQTTVariableInteger(_ value: Int) {
        var v = value
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v > 0 { byte |= 0x80 }
            writeInteger(byte)
        } while v > 0
    }

    mutating func writeMQTTString(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            writeMQTTUInt16(UInt16(truncatingIfNeeded: utf8.count))
            writeBytes(utf8)
        }
    }

    mutating func writeMQTTBinary(_ bytes: [UInt8]) {
        writeMQTTUInt16(UInt16(truncatingIfNeeded: bytes.count))
        writeBytes(bytes)
    }
}

/// The number of bytes a variable byte integer takes (MQTT 5.0 §1.5.5).
@inlinable
func variableIntegerSize(_ value: Int) -> Int {
    if value < 128 { return 1 }
    if value < 16_384 { return 2 }
    if value < 2_097_152 { return 3 }
    return 4
}

/// The UTF-8 length of a string as an MQTT length-prefixed field.
@inlinable
func stringFieldSize(_ s: String) -> Int { 2 + s.utf8.count }
