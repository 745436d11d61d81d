import COpenSSL
import Foundation

/// What an API key may do.
///
/// - `admin`: everything.
/// - `application`: read and write one application's devices, device groups and downlink
///   queues, read device profiles, follow the application's live stream; nothing else.
/// - `analyst`: read everything (GET), and run analytics queries (`POST /api/query`).
public enum APIKeyRole: String, Codable, Sendable, CaseIterable {
    case admin, application, analyst
}

/// An API key's public record. The secret is shown once, when the key is created; the registry
/// keeps only its SHA-256.
public struct APIKey: Codable, Sendable, Hashable {
    /// Random identifier (16 hex digits); also an MQTT user name.
    public var id: String
    /// Unique display name; also an MQTT user name.
    public var name: String
    public var role: APIKeyRole
    /// The application an `application` key is scoped to (nil for the other roles).
    public var applicationID: String?
    /// Creation time, milliseconds since the Unix epoch.
    public var createdAtMillis: Int64

    public init(id: String, name: String, role: APIKeyRole, applicationID: String? = nil, createdAtMillis: Int64) {
        self.id = id; self.name = name; self.role = role; self.applicationID = applicationID; self.createdAtMillis = createdAtMillis
    }

    /// The built-in admin key of `<data-dir>/admin.key` (not stored in the table).
    public static func dataDirectoryAdmin() -> APIKey {
        APIKey(id: "admin", name: "admin", role: .admin, createdAtMillis: 0)
    }

    /// A new secret: `lk_` followed by 40 random hex digits (160 bits).
    static func newSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        return "lk_" + (0..<20).map { _ in UInt8.random(in: 0...255, using: &rng) }.hexLower
    }

    /// A new identifier: 16 random hex digits.
    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }.hexLower
    }

    /// Lower-case hex SHA-256 of a secret, as stored (OpenSSL EVP_Digest).
    public static func hash(secret: String) -> String {
        let input = Array(secret.utf8)
        var out = [UInt8](repeating: 0, count: 32)
        let ok = input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in lorikeet_sha256(i.baseAddress, i.count, o.baseAddress) }
        }
        // EVP_Digest with SHA-256 does not fail short of memory exhaustion; a zero hash matches nothing.
        return ok == 1 ? out.hexLower : String(repeating: "0", count: 64)
    }

    /// Compares two byte strings in time independent of where they differ.
    public static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}

extension Sequence<UInt8> {
    var hexLower: String {
        let digits = Array("0123456789abcdef".utf8)
        var s: [UInt8] = []
        for b in self { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 0x0F)]) }
        return String(decoding: s, as: UTF8.self)
    }
}
