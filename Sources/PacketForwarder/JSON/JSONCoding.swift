import Foundation

/// JSON encoding and decoding of the protocol's objects, mapping Foundation's errors to
/// `PacketForwarderError` with a short reason.
enum JSONCoding {
    /// Drops trailing NUL bytes and whitespace: some forwarders send a C string's terminator.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = bytes.endIndex
        while end > bytes.startIndex {
            let c = bytes[end - 1]
            if c == 0 || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { end -= 1 } else { break }
        }
        return bytes[bytes.startIndex..<end]
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: ArraySlice<UInt8>, what: String) throws(PacketForwarderError) -> T {
        let body = trimmed(bytes)
        guard !body.isEmpty else { throw .invalidJSON(what: what, reason: "no JSON object") }
        guard body.first == UInt8(ascii: "{") else { throw .invalidJSON(what: what, reason: "does not start with '{'") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let error as PacketForwarderError {
            throw error
        } catch let error as DecodingError {
            throw .invalidJSON(what: what, reason: describe(error))
        } catch {
            throw .invalidJSON(what: what, reason: "unreadable")
        }
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own value types cannot fail (no non-finite floats are produced: frequencies
        // and coordinates come from integers or validated values).
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        let p = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "root" : p
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .typeMismatch(type, ctx): return "\(path(ctx.codingPath)): expected \(type)"
        case let .valueNotFound(type, ctx): return "\(path(ctx.codingPath)): missing \(type)"
        case let .keyNotFound(key, ctx): return "\(path(ctx.codingPath + [key])): missing"
        case let .dataCorrupted(ctx):
            // Truncated or syntactically broken JSON ends up here, as does an out-of-range number.
            return ctx.codingPath.isEmpty ? "malformed or truncated JSON" : "\(path(ctx.codingPath)): \(ctx.debugDescription.prefix(80))"
        @unknown default: return "undecodable"
        }
    }
}
