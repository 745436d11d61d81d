import Foundation
import LoRaWAN
import SQLite
import Testing
@testable import Registry

@Suite("Registry administration: key sealing, API keys, device groups")
struct AdministrationTests {
    let kek = try! KeyEncryptionKey(hex: "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")

    func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-reg-\(UUID().uuidString).sqlite").path
    }

    func rawBodies(_ path: String) throws -> String {
        let c = try Connection(path: path)
        let a = try c.prepare("SELECT body FROM devices").rows().map { SQLiteRegistry.text($0, 0) }
        let b = try c.prepare("SELECT state FROM device_sessions").rows().map { SQLiteRegistry.text($0, 0) }
        return (a + b).joined(separator: "\n")
    }

    @Test("sealing wraps only key fields and opens them again")
    func sealing() throws {
        let sealing = KeySealing(kek: kek)
        let json = #"{"appKey":"2b7e151628aed2a6abf7158809cf4f3c","name":"\"appKey\":\"00","nwkKey":"000102030405060708090a0b0c0d0e0f","x":1}"#
        let sealed = try sealing.seal(json)
        #expect(!sealed.contains("2b7e151628aed2a6abf7158809cf4f3c"))
        #expect(sealed.contains(#""appKey":"kw1:"#) && sealed.contains(#""nwkKey":"kw1:"#))
        #expect(sealed.contains(#""name":"\"appKey\":\"00""#))
        #expect(KeySealing.hasSealedKeys(sealed) && !KeySealing.hasPlaintextKeys(sealed))
        #expect(try sealing.open(sealed) == json)
        #expect(try sealing.seal(sealed) == sealed)
        #expect(throws: RegistryError.self) { try KeySealing(kek: nil).open(sealed) }
        let other = KeySealing(kek: try KeyEncryptionKey(bytes: [UInt8](repeating: 7, count: 32)))
        #expect(throws: RegistryError.self) { try other.open(sealed) }
        // Malformed sealed values are errors, not crashes.
        #expect(throws: RegistryError.self) { try sealing.open(#"{"appKey":"kw1:zz"}"#) }
        #expect(throws: RegistryError.self) { try sealing.open(#"{"appKey":"kw1:00"}"#) }
        #expect(try sealing.open(#"{"appKey":"kw1"#) == #"{"appKey":"kw1"#)
    }

    @Test("a registry with plaintext keys is encrypted on open, and reads back the same")
    func migration() async throws {
        let path = tempPath()
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        do {
            let plain = try SQLiteRegistry(path: path)
            try await provision(plain)
            let keys = SessionKeys(nwkSKey: appKey, appSKey: try AES128Key(hex: "000102030405060708090A0B0C0D0E0F"))
            try await plain.saveSession(DeviceSession(devEUI: devEUI, devAddr: DevAddr(0x2601_1F22), macVersion: .lorawan1_0, keys: keys))
        }
        #expect(try rawBodies(path).contains("2b7e151628aed2a6abf7158809cf4f3c"))
        let sealed = try SQLiteRegistry(path: path, keyEncryptionKey: kek)
        let raw = try rawBodies(path)
        #expect(!raw.contains("2b7e151628aed2a6abf7158809cf4f3c") && !raw.contains("000102030405060708090a0b0c0d0e0f"))
        #expect(raw.contains("kw1:"))
        #expect(try await sealed.device(devEUI: devEUI)?.appKey == appKey)
        #expect(try await sealed.session(devEUI: devEUI)?.keys.appSKey == (try AES128Key(hex: "000102030405060708090A0B0C0D0E0F")))
        #expect(try sealed.sealPlaintextKeys() == 0)
        // New writes are sealed too.
        try await sealed.createDevice(Device(devEUI: EUI64(42), applicationID: "farm", deviceProfileID: "eu-a", appKey: appKey))
        #expect(!(try rawBodies(path).contains("2b7e151628aed2a6abf7158809cf4f3c")))
        // Another KEK is refused at open: the stored keys would be unreadable.
        #expect(throws: RegistryError.self) { try SQLiteRegistry(path: path, keyEncryptionKey: try KeyEncryptionKey(bytes: [UInt8](repeating: 9, count: 32))) }
        // Without the KEK the keys cannot be read: a clear error, not garbage.
        let without = try SQLiteRegistry(path: path)
        await #expect(throws: RegistryError.self) { try await without.device(devEUI: devEUI) }
    }

    @Test("API keys: secrets hashed, looked up by secret and by id or name")
    func apiKeys() async throws {
        let r = try makeRegistry()
        try await provision(r)
        let (key, secret) = try await r.createAPIKey(name: "ops", role: .application, applicationID: "farm", nowMillis: 5)
        #expect(secret.hasPrefix("lk_") && secret.count == 43)
        #expect(try await r.apiKey(secret: secret) == key)
        #expect(try await r.apiKey(secret: secret + "x") == nil)
        #expect(try await r.verifyAPIKey(idOrName: "ops", secret: secret) == key)
        #expect(try await r.verifyAPIKey(idOrName: key.id, secret: secret) == key)
        #expect(try await r.verifyAPIKey(idOrName: "ops", secret: "lk_nope") == nil)
        await #expect(throws: RegistryError.alreadyExists(kind: "api_key", id: "ops")) {
            _ = try await r.createAPIKey(name: "ops", role: .analyst, applicationID: nil, nowMillis: 6)
        }
        await #expect(throws: RegistryError.self) { _ = try await r.createAPIKey(name: "a", role: .application, applicationID: nil, nowMillis: 6) }
        await #expect(throws: RegistryError.self) { _ = try await r.createAPIKey(name: "b", role: .application, applicationID: "nope", nowMillis: 6) }
        await #expect(throws: RegistryError.self) { _ = try await r.createAPIKey(name: "admin", role: .admin, applicationID: nil, nowMillis: 6) }
        await #expect(throws: RegistryError.self) { _ = try await r.createAPIKey(name: "", role: .admin, applicationID: nil, nowMillis: 6) }
        // An application with keys cannot be deleted (the keys would dangle).
        try await r.deleteDevice(devEUI: devEUI)
        await #expect(throws: RegistryError.self) { try await r.deleteApplication(id: "farm") }
        try await r.deleteAPIKey(id: key.id)
        #expect(try await r.apiKey(secret: secret) == nil)
        try await r.deleteApplication(id: "farm")
    }

    @Test("device groups hold devices of their application only")
    func groups() async throws {
        let r = try makeRegistry()
        try await provision(r)
        try await r.createApplication(Application(id: "other", name: "Other"))
        try await r.createDevice(Device(devEUI: EUI64(7), applicationID: "other", deviceProfileID: "eu-a", appKey: appKey))
        try await r.createDeviceGroup(DeviceGroup(id: "g", applicationID: "farm", name: "G", devices: [devEUI]))
        #expect(try await r.deviceGroup(id: "g")?.devices == [devEUI])
        await #expect(throws: RegistryError.self) { try await r.addDeviceGroupMember(groupID: "g", devEUI: EUI64(7)) }
        await #expect(throws: RegistryError.self) { try await r.addDeviceGroupMember(groupID: "g", devEUI: EUI64(8)) }
        #expect(try await r.deviceGroups(applicationID: "other", limit: 10, offset: 0).total == 0)
        try await r.deleteDevice(devEUI: devEUI)
        #expect(try await r.deviceGroup(id: "g")?.devices == [])
        try await r.deleteApplication(id: "farm")
        #expect(try await r.deviceGroup(id: "g") == nil)
    }

    @Test("paged device lists")
    func paging() async throws {
        let r = try makeRegistry()
        try await provision(r)
        for i in 1...4 { try await r.createDevice(Device(devEUI: EUI64(UInt64(i)), applicationID: "farm", deviceProfileID: "eu-a", appKey: appKey)) }
        let page = try await r.devices(applicationID: "farm", limit: 2, offset: 1)
        #expect(page.total == 5 && page.items.map(\.devEUI) == [EUI64(2), EUI64(3)])
        #expect(try await r.devices(applicationID: "none", limit: 2, offset: 0).total == 0)
    }
}
