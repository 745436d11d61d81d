import Foundation
public import RegionalParameters
public import Registry

/// The data directory and the files the server keeps there.
public struct DataDirectory: Sendable {
    public let path: String

    public init(path: String) throws {
        self.path = path
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw ServerAppError.dataDirectory("cannot create \(path): \(error.localizedDescription)")
        }
    }

    public var registryPath: String { (path as NSString).appendingPathComponent("registry.sqlite") }
    public var adminKeyPath: String { (path as NSString).appendingPathComponent("admin.key") }
    /// The broker's retained messages (see `BrokerConfiguration.retainedFile`).
    public var brokerRetainedPath: String { (path as NSString).appendingPathComponent("broker-retained.mqtt") }
    /// The deduplicator's per-device gateway history (a cache; see `NetworkServer.keepGatewayReach`).
    public var gatewayReachPath: String { (path as NSString).appendingPathComponent("gateway-reach.bin") }
    public var keyEncryptionKeyPath: String { (path as NSString).appendingPathComponent("kek.key") }

    /// The key-encryption key for device keys at rest: `LORIKEET_KEK` (hex) when set, else
    /// `kek.key` (created on first start: 32 random bytes as hex, mode 0600). Keep a copy of it:
    /// without it the stored device keys cannot be read. Returns the key and where it came from.
    public func keyEncryptionKey(environment: [String: String]? = nil) throws -> (key: KeyEncryptionKey, source: String, created: Bool) {
        if let hex = (environment ?? ProcessInfo.processInfo.environment)["LORIKEET_KEK"], !hex.isEmpty {
            do { return (try KeyEncryptionKey(hex: hex), "LORIKEET_KEK", false) } catch {
                throw ServerAppError.invalidConfiguration("LORIKEET_KEK: \(error)")
            }
        }
        if let data = FileManager.default.contents(atPath: keyEncryptionKeyPath) {
            do { return (try KeyEncryptionKey(hex: String(decoding: data, as: UTF8.self)), keyEncryptionKeyPath, false) } catch {
                throw ServerAppError.dataDirectory("\(keyEncryptionKeyPath): \(error)")
            }
        }
        var rng = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        guard FileManager.default.createFile(atPath: keyEncryptionKeyPath, contents: Data((hex + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ServerAppError.dataDirectory("cannot write \(keyEncryptionKeyPath)")
        }
        do { return (try KeyEncryptionKey(hex: hex), keyEncryptionKeyPath, true) } catch {
            throw ServerAppError.dataDirectory("\(keyEncryptionKeyPath): \(error)")
        }
    }

    /// Opens the registry with the key-encryption key (wrapping any keys stored in plaintext).
    public func openRegistry() throws -> SQLiteRegistry {
        let kek = try keyEncryptionKey()
        return try SQLiteRegistry(path: registryPath, keyEncryptionKey: kek.key)
    }

    /// The admin API key: read from `admin.key`, or created (32 random bytes as hex, mode 0600)
    /// on first start. Returns the key and whether it was just created.
    public func adminKey() throws -> (key: String, created: Bool) {
        if let data = FileManager.default.contents(atPath: adminKeyPath),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            return (text, false)
        }
        var rng = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        guard FileManager.default.createFile(atPath: adminKeyPath, contents: Data((key + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ServerAppError.dataDirectory("cannot write \(adminKeyPath)")
        }
        return (key, true)
    }

    /// Loads every channel plan from `dir` (or the default Regions location).
    public static func loadRegions(_ dir: String?) throws -> RegionCatalog {
        let candidates: [String] = dir.map { [$0] } ?? {
            var c = [FileManager.default.currentDirectoryPath + "/Regions"]
            // The binary lives in <repo>/.build/<config>/lorikeet: try the repository's Regions too.
            let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
            c.append(exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Regions").path)
            c.append(exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Regions").path)
            return c
        }()
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/plans.json") }) else {
            throw ServerAppError.regions("no Regions directory with plans.json (looked in \(candidates.joined(separator: ", ")))")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: found).filter { $0.hasSuffix(".json") }
        let files = try names.map { (name: $0, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: found + "/" + $0)))) }
        do { return try RegionCatalog(files: files) } catch { throw ServerAppError.regions("\(error)") }
    }
}
