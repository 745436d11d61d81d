import Foundation
import LoRaWAN

/// Encrypts the key fields of a stored record's JSON and decrypts them back.
///
/// Device bodies and session states are JSON written by `JSONEncoder` (compact, sorted keys).
/// Their key fields (`appKey`, `nwkKey`, `fNwkSIntKey`, `sNwkSIntKey`, `nwkSEncKey`, `appSKey`)
/// hold 32 hex digits. Sealing replaces each such value with `kw1:` followed by the 48 hex digits
/// of its RFC 3394 wrap under the KEK; opening does the reverse. The rest of the record stays
/// readable (and queryable), and records of other shapes pass through unchanged.
///
/// Layout of one sealed field: `"appKey":"kw1:<hex(AESKW(KEK, key))>"` — `kw1` names the scheme
/// (version 1: RFC 3394 with the default IV, KEK from outside the database) and never changes
/// meaning.
///
/// The scan matches `"<name>":"` with unescaped quotes, which cannot occur inside a JSON string
/// value, so text that a user put in a name or description is never touched.
struct KeySealing: Sendable {
    static let keyFields: [[UInt8]] = ["appKey", "nwkKey", "fNwkSIntKey", "sNwkSIntKey", "nwkSEncKey", "appSKey"].map { Array($0.utf8) }
    static let marker = Array("kw1:".utf8)

    let kek: KeyEncryptionKey?

    /// Whether `json` holds any plaintext key field.
    static func hasPlaintextKeys(_ json: String) -> Bool {
        var found = false
        _ = transform(Array(json.utf8)) { value in
            if !value.starts(with: marker) { found = true }
            return nil
        }
        return found
    }

    /// Whether `json` holds any sealed key field.
    static func hasSealedKeys(_ json: String) -> Bool {
        var found = false
        _ = transform(Array(json.utf8)) { value in
            if value.starts(with: marker) { found = true }
            return nil
        }
        return found
    }

    /// Seals every plaintext key field (no-op without a KEK).
    func seal(_ json: String) throws -> String {
        guard let kek else { return json }
        var failure: (any Error)?
        let out = Self.transform(Array(json.utf8)) { value in
            guard value.count == 32, !value.starts(with: Self.marker), let key = KeyEncryptionKey.parseHex(String(decoding: value, as: UTF8.self)) else { return nil }
            do { return Self.marker + Array(try kek.wrap(key).hexString.utf8) } catch { failure = error; return nil }
        }
        if let failure { throw failure }
        return String(decoding: out, as: UTF8.self)
    }

    /// Opens every sealed key field.
    /// - Throws: `RegistryError.invalidValue` when a field is sealed and no KEK is configured, or
    ///   the KEK does not open it.
    func open(_ json: String) throws -> String {
        var failure: (any Error)?
        let out = Self.transform(Array(json.utf8)) { value in
            guard value.starts(with: Self.marker) else { return nil }
            guard let kek else {
                failure = RegistryError.invalidValue(field: "stored keys", reason: "encrypted, but no key-encryption key is configured (LORIKEET_KEK or <data-dir>/kek.key)")
                return nil
            }
            guard let wrapped = KeyEncryptionKey.parseHex(String(decoding: value.dropFirst(Self.marker.count), as: UTF8.self)) else {
                failure = RegistryError.invalidValue(field: "stored keys", reason: "malformed encrypted key")
                return nil
            }
            do { return Array(try kek.unwrap(wrapped).hexString.utf8) } catch { failure = error; return nil }
        }
        if let failure { throw failure }
        return String(decoding: out, as: UTF8.self)
    }

    /// Calls `replace` with the string value of every key field; a non-nil result replaces it.
    static func transform(_ bytes: [UInt8], _ replace: ([UInt8]) -> [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var i = 0
        var copied = 0
        let quote = UInt8(ascii: "\"")
        while i < bytes.count {
            // A key field starts with `"<name>":"`.
            guard bytes[i] == quote else { i += 1; continue }
            var matched: Int?
            for name in keyFields {
                let end = i + 1 + name.count
                guard end + 3 <= bytes.count, bytes[(i + 1)..<end].elementsEqual(name),
                      bytes[end] == quote, bytes[end + 1] == UInt8(ascii: ":"), bytes[end + 2] == quote else { continue }
                matched = end + 3
                break
            }
            guard let valueStart = matched else { i += 1; continue }
            guard let valueEnd = bytes[valueStart...].firstIndex(where: { $0 == quote || $0 == UInt8(ascii: "\\") }),
                  bytes[valueEnd] == quote else { i = valueStart; continue }
            if let replacement = replace(Array(bytes[valueStart..<valueEnd])) {
                out.append(contentsOf: bytes[copied..<valueStart])
                out.append(contentsOf: replacement)
                copied = valueEnd
            }
            i = valueEnd + 1
        }
        out.append(contentsOf: bytes[copied...])
        return out
    }
}
