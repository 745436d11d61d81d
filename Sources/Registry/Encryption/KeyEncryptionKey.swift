import Foundation
import COpenSSL

/// The key-encryption key (KEK) that wraps device root keys and session keys at rest.
///
/// AES key wrap (RFC 3394) through OpenSSL's `EVP_aes_{128,192,256}_wrap`, with the RFC's default
/// initial value. A 16-byte LoRaWAN key wraps to 24 bytes; unwrapping checks the integrity value,
/// so a wrong KEK or a modified record fails instead of producing a wrong key.
///
/// The KEK itself lives outside the database (the server reads `LORIKEET_KEK` or
/// `<data-dir>/kek.key`); the registry only holds this value in memory. `description` never
/// shows the key.
///
/// ```swift
/// // RFC 3394 §4.1: 128 bits of key data with a 128-bit KEK
/// let kek = try KeyEncryptionKey(bytes: [UInt8](hex: "000102030405060708090A0B0C0D0E0F"))
/// try kek.wrap([UInt8](hex: "00112233445566778899AABBCCDDEEFF")).hexString
/// // "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"
/// ```
public struct KeyEncryptionKey: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// - Throws: `RegistryError.invalidValue` unless `bytes` is 16, 24 or 32 bytes long.
    public init(bytes: [UInt8]) throws(RegistryError) {
        guard [16, 24, 32].contains(bytes.count) else {
            throw .invalidValue(field: "key-encryption key", reason: "must be 16, 24 or 32 bytes (32, 48 or 64 hex digits), got \(bytes.count) bytes")
        }
        self.bytes = bytes
    }

    /// Parses a KEK from hex (surrounding white space ignored).
    public init(hex: String) throws(RegistryError) {
        let text = hex.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Self.parseHex(text) else {
            throw .invalidValue(field: "key-encryption key", reason: "not hex (expected 32, 48 or 64 hex digits)")
        }
        try self.init(bytes: bytes)
    }

    public var description: String { "KeyEncryptionKey(\(bytes.count * 8) bits, redacted)" }

    /// Wraps `plaintext` (a multiple of 8 bytes, at least 16) into `plaintext.count + 8` bytes.
    public func wrap(_ plaintext: [UInt8]) throws(RegistryError) -> [UInt8] {
        guard plaintext.count >= 16, plaintext.count % 8 == 0 else {
            throw .invalidValue(field: "key data", reason: "key wrap needs a multiple of 8 bytes, at least 16")
        }
        return try run(encrypt: true, plaintext, outputCount: plaintext.count + 8)
    }

    /// Unwraps `wrapped`; fails when the integrity check does not hold (wrong KEK or altered data).
    public func unwrap(_ wrapped: [UInt8]) throws(RegistryError) -> [UInt8] {
        guard wrapped.count >= 24, wrapped.count % 8 == 0 else {
            throw .invalidValue(field: "wrapped key", reason: "must be a multiple of 8 bytes, at least 24")
        }
        return try run(encrypt: false, wrapped, outputCount: wrapped.count - 8)
    }

    private func run(encrypt: Bool, _ input: [UInt8], outputCount: Int) throws(RegistryError) -> [UInt8] {
        // OpenSSL may write up to one block past the result while unwrapping: leave room.
        var out = [UInt8](repeating: 0, count: input.count + 16)
        let written = bytes.withUnsafeBufferPointer { k in
            input.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    lorikeet_aes_key_wrap(k.baseAddress, Int32(k.count), encrypt ? 1 : 0, i.baseAddress, Int32(i.count), o.baseAddress)
                }
            }
        }
        guard written == outputCount else {
            throw .invalidValue(field: encrypt ? "key data" : "wrapped key",
                                reason: encrypt ? "AES key wrap failed" : "integrity check failed (wrong key-encryption key or altered record)")
        }
        return Array(out.prefix(outputCount))
    }

    static func parseHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i + 1 < utf8.count {
            guard let hi = hexValue(utf8[i]), let lo = hexValue(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
