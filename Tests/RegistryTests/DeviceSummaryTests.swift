import Foundation
import LoRaWAN
import SQLite
import Testing
@testable import Registry

@Suite("Registry device summaries: list flags from SQL, no key opened")
struct DeviceSummaryTests {
    let kek = try! KeyEncryptionKey(hex: "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")

    func tempPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-sum-\(UUID().uuidString).sqlite").path
    }

    /// OTAA 1.0 (AppKey), OTAA 1.1 (AppKey + NwkKey), ABP, disabled, a name with JSON metacharacters.
    func devices() throws -> [Device] {
        let key = try AES128Key(hex: "2b7e151628aed2a6abf7158809cf4f3c")
        let other = try AES128Key(hex: "000102030405060708090a0b0c0d0e0f")
        return [
            Device(devEUI: EUI64(0x0101), joinEUI: EUI64(0x77), name: "one", applicationID: "a", deviceProfileID: "p", appKey: key),
            Device(devEUI: EUI64(0x0102), name: "two \"quoted\" \\ \u{1}", applicationID: "a", deviceProfileID: "p", appKey: key, nwkKey: other),
            Device(devEUI: EUI64(0x0103), name: "abp", applicationID: "b", deviceProfileID: "p",
                   abp: ABPSettings(devAddr: DevAddr(0x2601_1234), keys: SessionKeys(nwkSKey: key, appSKey: other))),
            Device(devEUI: EUI64(0x0104), name: "off", applicationID: "b", deviceProfileID: "p", appKey: key, disabled: true),
        ]
    }

    func populate(_ r: SQLiteRegistry) async throws {
        try await r.createApplication(Application(id: "a", name: "A"))
        try await r.createApplication(Application(id: "b", name: "B"))
        try await r.createDeviceProfile(DeviceProfile(id: "p", name: "P", region: "EU868"))
        for d in try devices() { try await r.createDevice(d) }
    }

    @Test("summaries equal the summaries of the whole records, paged and filtered in SQL", arguments: [false, true])
    func matchesRecords(sealed: Bool) async throws {
        let r = try SQLiteRegistry(path: ":memory:", keyEncryptionKey: sealed ? kek : nil)
        try await populate(r)
        let all = try await r.deviceSummaries(applicationID: nil, limit: 100, offset: 0)
        #expect(all.total == 4)
        #expect(all.items == (try devices()).map(DeviceSummary.init))
        #expect(all.items.map(\.hasAppKey) == [true, true, false, true])
        #expect(all.items.map(\.hasNwkKey) == [false, true, false, false])
        #expect(all.items.map(\.abpDevAddr) == [nil, nil, DevAddr(0x2601_1234), nil])
        #expect(all.items.map(\.disabled) == [false, false, false, true])
        let page = try await r.deviceSummaries(applicationID: "b", limit: 1, offset: 1)
        #expect(page.total == 2)
        #expect(page.items.map(\.devEUI) == [EUI64(0x0104)])
        #expect(try await r.deviceSummaries(applicationID: nil, limit: 10, offset: 10).items.isEmpty)
        // Through the protocol (what the HTTP API calls).
        let store: any AdministrationStore = r
        #expect(try await store.summarizedDevices(applicationID: "a", limit: 10, offset: 0).items.map(\.devEUI) == [EUI64(0x0101), EUI64(0x0102)])
    }

    @Test("listing needs no key-encryption key: no stored key is opened")
    func noUnwrap() async throws {
        let path = tempPath()
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        do {
            let r = try SQLiteRegistry(path: path, keyEncryptionKey: kek)
            try await populate(r)
        }
        // Opened without the KEK: reading a whole record fails (its keys are sealed) …
        let blind = try SQLiteRegistry(path: path)
        await #expect(throws: RegistryError.self) { _ = try await blind.device(devEUI: EUI64(0x0101)) }
        // … but the list's flags come from SQL and are the same.
        let page = try await blind.deviceSummaries(applicationID: nil, limit: 100, offset: 0)
        #expect(page.items == (try devices()).map(DeviceSummary.init))
    }

    @Test("a corrupt record is reported by DevEUI, not as a failed page")
    func corruptRecord() async throws {
        let r = try SQLiteRegistry(path: ":memory:")
        try await populate(r)
        try r.connection.execute("UPDATE devices SET body = 'not json' WHERE dev_eui = '0000000000000102'")
        await #expect(throws: RegistryError.corruptRecord(kind: "device", id: "0000000000000102", reason: "body is not JSON")) {
            _ = try await r.deviceSummaries(applicationID: nil, limit: 100, offset: 0)
        }
        try r.connection.execute("UPDATE devices SET body = '{\"abp\":{\"devAddr\":\"zz\"}}' WHERE dev_eui = '0000000000000102'")
        await #expect(throws: RegistryError.self) { _ = try await r.deviceSummaries(applicationID: nil, limit: 100, offset: 0) }
    }

    @Test("stored EUIs parse like EUI64(hex:)", arguments: ["0004a30b001c0530", "0004A30B001C0530", "ffffffffffffffff", "0000000000000000"])
    func storedEUI(text: String) throws {
        #expect(try SQLiteRegistry.storedEUI(text) == (try EUI64(hex: text)))
    }

    @Test("malformed stored EUIs are errors", arguments: ["", "0004a30b001c053", "0004a30b001c05300", "0004a30b001c05zz", "é004a30b001c0530"])
    func malformedStoredEUI(text: String) {
        #expect(throws: (any Error).self) { try SQLiteRegistry.storedEUI(text) }
    }
}
