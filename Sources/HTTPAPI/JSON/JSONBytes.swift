import Hummingbird
import TextPrimitives

/// A JSON text written straight into a byte array, for answers on hot paths (the device list)
/// where Foundation's `JSONEncoder` — a tree of boxed values built and then serialised — cost
/// more than the database work.
///
/// Strings are escaped as RFC 8259 §7 requires: `"` and `\` get a backslash, the control
/// characters U+0000…U+001F are written as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`; all other
/// characters (any UTF-8) are copied as they are. The writer does not check the document's
/// structure: callers write objects and commas in order (``field(_:)`` adds the comma).
///
/// Bytes go to a `[UInt8]` (appends of whole runs) and into a `ByteBuffer` once at the end:
/// writing a `ByteBuffer` byte by byte costs a uniqueness and bounds check per byte.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []
    /// Whether the next member of the current object or array is its first (no comma before it).
    private var first = true

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    mutating func beginObject() { bytes.append(UInt8(ascii: "{")); first = true }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); first = false }
    mutating func beginArray() { bytes.append(UInt8(ascii: "[")); first = true }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); first = false }

    /// Starts an array element (a comma unless it is the first).
    mutating func element() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
    }

    /// Writes `"name":` (after a comma unless it is the object's first member).
    mutating func field(_ name: StaticString) {
        element()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A JSON string literal (escaped as the type's comment says).
    mutating func string(_ value: String) {
        JSONEscaping.appendQuoted(value, to: &bytes)
    }

    /// A string of `digits` lower-case hex digits of `value`, most significant first (the text of
    /// `EUI64.description` for 16 digits, `DevAddr.description` for 8), without building a String.
    mutating func hexString(_ value: UInt64, digits: Int) {
        bytes.append(UInt8(ascii: "\""))
        var shift = (digits - 1) * 4
        while shift >= 0 {
            bytes.append(Self.hexDigits[Int((value >> UInt64(shift)) & 0x0F)])
            shift -= 4
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    mutating func int(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    mutating func null() { raw("null") }

    /// The document as a JSON answer (the same content type as Hummingbird's encoder).
    func response(status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
