public import Hummingbird

/// A JSON text written straight into a `ByteBuffer`, for answers on hot paths (the device list)
/// where Foundation's `JSONEncoder` — a tree of boxed values built and then serialised — cost
/// more than the database work.
///
/// Strings are escaped as RFC 8259 §7 requires: `"` and `\` get a backslash, the control
/// characters U+0000…U+001F are written as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`; all other
/// characters (any UTF-8) are copied as they are. The writer does not check the document's
/// structure: callers write objects and commas in order (``field(_:)`` adds the comma).
struct JSONBytes {
    private(set) var buffer: ByteBuffer
    /// Whether the next member of the current object or array is its first (no comma before it).
    private var first = true

    init(capacity: Int = 1024) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    mutating func beginObject() { buffer.writeInteger(UInt8(ascii: "{")); first = true }
    mutating func endObject() { buffer.writeInteger(UInt8(ascii: "}")); first = false }
    mutating func beginArray() { buffer.writeInteger(UInt8(ascii: "[")); first = true }
    mutating func endArray() { buffer.writeInteger(UInt8(ascii: "]")); first = false }

    /// Starts an array element (a comma unless it is the first).
    mutating func element() {
        if !first { buffer.writeInteger(UInt8(ascii: ",")) }
        first = false
    }

    /// Writes `"name":` (after a comma unless it is the object's first member).
    mutating func field(_ name: StaticString) {
        element()
        buffer.writeInteger(UInt8(ascii: "\""))
        name.withUTF8Buffer { _ = buffer.writeBytes($0) }
        buffer.writeStaticString("\":")
    }

    mutating func string(_ value: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            for i in 0..<bytes.count {
                let c = bytes[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[start..<i]))
                switch c {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(c >> 4)])
                    buffer.writeInteger(hex[Int(c & 0x0F)])
                }
                start = i + 1
            }
            buffer.writeBytes(UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    mutating func bool(_ value: Bool) { buffer.writeStaticString(value ? "true" : "false") }

    mutating func int(_ value: Int) { buffer.writeString(String(value)) }

    mutating func null() { buffer.writeStaticString("null") }

    /// The document as a `200 OK` JSON answer (the same content type as Hummingbird's encoder).
    func response(status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }
}
