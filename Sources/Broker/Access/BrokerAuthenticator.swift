import COpenSSL

/// Who a connected client is, as far as access control is concerned.
public enum Principal: Hashable, Sendable, CustomStringConvertible {
    /// May read and write every topic (subject to explicit deny rules).
    case admin(username: String)
    /// Belongs to one application: may not touch another application's `application/{id}/…` topics.
    case application(id: String, username: String)
    /// Read-only: may subscribe to (and receive) every topic, may not publish.
    case analyst(username: String)
    /// Connected without credentials (only where `allowAnonymous` is set).
    case anonymous

    /// The user name the principal authenticated with, if any.
    public var username: String? {
        switch self {
        case .admin(let u), .application(_, let u), .analyst(let u): u
        case .anonymous: nil
        }
    }

    /// The role name ACL rules refer to: `admin`, `application`, `analyst` or `anonymous`.
    public var role: String {
        switch self {
        case .admin: "admin"
        case .application: "application"
        case .analyst: "analyst"
        case .anonymous: "anonymous"
        }
    }

    public var description: String {
        switch self {
        case .admin(let u): "admin(\(u))"
        case .application(let id, let u): "application(\(id), \(u))"
        case .analyst(let u): "analyst(\(u))"
        case .anonymous: "anonymous"
        }
    }
}

/// Credentials presented in CONNECT.
public struct AuthenticationRequest: Sendable {
    public var clientIdentifier: String
    public var username: String?
    public var password: [UInt8]?
    public init(clientIdentifier: String, username: String?, password: [UInt8]?) {
        self.clientIdentifier = clientIdentifier; self.username = username; self.password = password
    }
}

/// Decides who a connecting client is.
///
/// The broker calls it once per CONNECT, off the event loop, so an implementation may query a
/// database (the registry's API keys will plug in here). Return `nil` to refuse the connection
/// (CONNACK 0x86 Bad User Name or Password; 3.1.1 return code 4).
public protocol BrokerAuthenticator: Sendable {
    /// Authenticates a client; `nil` refuses it.
    func authenticate(_ request: AuthenticationRequest) async -> Principal?
}

/// Authenticates against the `users` list of a ``BrokerConfiguration``.
///
/// Clients without a user name are `anonymous` when `allowAnonymous` is set and refused otherwise.
/// Passwords compare in constant time; `passwordSHA256` (hex) is preferred over `password`.
public struct ConfigurationAuthenticator: BrokerAuthenticator {
    let users: [String: BrokerUser]
    let allowAnonymous: Bool

    public init(configuration: BrokerConfiguration) {
        var users: [String: BrokerUser] = [:]
        for u in configuration.users { users[u.username] = u }
        self.users = users
        self.allowAnonymous = configuration.allowAnonymous
    }

    public func authenticate(_ request: AuthenticationRequest) async -> Principal? {
        principal(for: request)
    }

    /// The synchronous check behind ``authenticate(_:)``.
    public func principal(for request: AuthenticationRequest) -> Principal? {
        guard let username = request.username else { return allowAnonymous ? .anonymous : nil }
        guard let user = users[username], let password = request.password else { return nil }
        let ok: Bool
        if let hex = user.passwordSHA256 {
            ok = constantTimeEqual(Array(sha256Hex(password).utf8), Array(hex.lowercased().utf8))
        } else if let clear = user.password {
            ok = constantTimeEqual(password, Array(clear.utf8))
        } else {
            ok = false
        }
        guard ok else { return nil }
        switch user.role {
        case "admin": return .admin(username: username)
        case "application":
            guard let id = user.applicationID else { return nil }
            return .application(id: id, username: username)
        case "analyst": return .analyst(username: username)
        default: return nil
        }
    }
}

func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}

/// Lower-case hex SHA-256 (OpenSSL's one-shot EVP_Digest).
func sha256Hex(_ bytes: [UInt8]) -> String {
    var out = [UInt8](repeating: 0, count: 32)
    var size: UInt32 = 0
    let rc = bytes.withUnsafeBytes { input in
        out.withUnsafeMutableBytes { o in
            EVP_Digest(input.baseAddress, input.count, o.baseAddress?.assumingMemoryBound(to: UInt8.self), &size, EVP_sha256(), nil)
        }
    }
    guard rc == 1 else { return "" }
    let digits = Array("0123456789abcdef".utf8)
    var s: [UInt8] = []
    for b in out { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 0x0F)]) }
    return String(decoding: s, as: UTF8.self)
}
