import Foundation
import LoRaWAN
import Testing
@testable import Registry

func makeRegistry() throws -> SQLiteRegistry { try SQLiteRegistry(path: ":memory:") }

let appKey = try! AES128Key(hex: "2B7E151628AED2A6ABF7158809CF4F3C")
let devEUI = EUI64(0x0004_A30B_001C_0530)

func provision(_ r: SQLiteRegistry, devEUI: EUI64 = devEUI) async throws {
    if try await r.application(id: "farm") == nil {
        try await r.createApplication(Application(id: "farm", name: "Farm"))
        try await r.createDeviceProfile(DeviceProfile(id: "eu-a", name: "EU868 class A", region: "EU868", macVersion: "1.0.3"))
    }
    try await r.createDevice(Device(devEUI: devEUI, joinEUI: EUI64(1), name: "sensor", applicationID: "farm", deviceProfileID: "eu-a", appKey: appKey))
}

@Suite("SQLite registry")
struct SQLiteRegistryTests {
    @Test("migrations are named and applied once")
    func migrations() throws {
        let r = try makeRegistry()
        #expect(try r.appliedMigrations() == ["0001_registry", "0002_sessions", "0003_access", "0004_change_generation"])
    }

    @Test("applications, profiles and devices round-trip; references are checked")
    func crud() async throws {
        let r = try makeRegistry()
        try await provision(r)
        #expect(try await r.applications().map(\.id) == ["farm"])
        #expect(try await r.deviceProfile(id: "eu-a")?.region == "EU868")
        let d = try #require(try await r.device(devEUI: devEUI))
        #expect(d.appKey == appKey)
        #expect(d.joinEUI == EUI64(1))
        await #expect(throws: RegistryError.alreadyExists(kind: "device", id: devEUI.description)) { try await provision(r) }
        await #expect(throws: RegistryError.invalidReference(kind: "application", id: "nope")) {
            try await r.createDevice(Device(devEUI: EUI64(9), applicationID: "nope", deviceProfileID: "eu-a", appKey: appKey))
        }
        await #expect(throws: RegistryError.self) { try await r.createApplication(Application(id: "bad id!", name: "x")) }
        await #expect(throws: RegistryError.self) { try await r.deleteApplication(id: "farm") }  // still has devices
        await #expect(throws: RegistryError.invalidValue(field: "rx1Delay", reason: "0 outside 1…15 s")) {
            try await r.createDeviceProfile(DeviceProfile(id: "x", name: "x", rx1Delay: 0))
        }
        try await r.deleteDevice(devEUI: devEUI)
        #expect(try await r.device(devEUI: devEUI) == nil)
        await #expect(throws: RegistryError.notFound(kind: "device", id: devEUI.description)) { try await r.deleteDevice(devEUI: devEUI) }
    }

    @Test("gateways upsert with location and last seen")
    func gateways() async throws {
        let r = try makeRegistry()
        let g = Gateway(gatewayEUI: EUI64(0xAA), name: "roof", location: GatewayLocation(latitude: 1.5, longitude: 2.5, altitude: 3))
        try await r.upsertGateway(g)
        var g2 = g
        g2.lastSeenMillis = 42
        try await r.upsertGateway(g2)
        #expect(try await r.gateways() == [g2])
    }

    @Test("DevNonce: 1.0.x refuses reuse, 1.1 requires increase; JoinNonce counts per device")
    func devNonces() async throws {
        let r = try makeRegistry()
        try await provision(r)
        #expect(try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 5, strictlyIncreasing: false) == 1)
        #expect(try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 5, strictlyIncreasing: false) == nil)
        #expect(try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 3, strictlyIncreasing: false) == 2)
        #expect(try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 4, strictlyIncreasing: true) == nil)
        #expect(try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 6, strictlyIncreasing: true) == 3)
    }

    @Test("sessions: lookup by DevAddr finds every device sharing it")
    func sessions() async throws {
        let r = try makeRegistry()
        let other = EUI64(0x1234)
        try await provision(r)
        try await provision(r, devEUI: other)
        let keys = SessionKeys(nwkSKey: appKey, appSKey: appKey)
        var a = DeviceSession(devEUI: devEUI, devAddr: DevAddr(0x2601_1BDA), macVersion: .lorawan1_0, keys: keys)
        a.fCntUp = 7
        a.uplinkHistory = [UplinkSample(fCnt: 7, maxSNR: 5.5, gatewayCount: 2, txPowerIndex: 0)]
        a.pendingMACCommands = [PendingMACCommand(cid: 0x06, bytes: [0x06])]
        let b = DeviceSession(devEUI: other, devAddr: DevAddr(0x2601_1BDA), macVersion: .lorawan1_1, keys: keys)
        try await r.saveSession(a)
        try await r.saveSession(b)
        #expect(Set(try await r.sessions(devAddr: DevAddr(0x2601_1BDA)).map(\.devEUI)) == [devEUI, other])
        #expect(try await r.session(devEUI: devEUI) == a)
        a.fCntUp = 8
        try await r.saveSession(a)
        #expect(try await r.session(devEUI: devEUI)?.fCntUp == 8)
    }

    @Test("downlink queue keeps order and survives removal")
    func queue() async throws {
        let r = try makeRegistry()
        try await provision(r)
        let first = try await r.enqueue(DownlinkQueueItem(devEUI: devEUI, fPort: 10, data: [1, 2], confirmed: true))
        _ = try await r.enqueue(DownlinkQueueItem(devEUI: devEUI, fPort: 11, data: []))
        #expect(try await r.queue(devEUI: devEUI).map(\.fPort) == [10, 11])
        #expect(try await r.queue(devEUI: devEUI).first?.confirmed == true)
        try await r.removeQueueItem(id: first)
        #expect(try await r.queue(devEUI: devEUI).map(\.fPort) == [11])
        await #expect(throws: RegistryError.notFound(kind: "device", id: EUI64(77).description)) {
            _ = try await r.enqueue(DownlinkQueueItem(devEUI: EUI64(77), fPort: 1, data: []))
        }
    }

    @Test("uplink metadata is recorded and bounded per device")
    func uplinks() async throws {
        let r = try SQLiteRegistry(path: ":memory:", uplinkRetentionPerDevice: 10)
        for i in 0..<200 {
            try await r.recordUplink(UplinkRecord(timeMillis: Int64(i), devEUI: devEUI, devAddr: DevAddr(1), fCnt: UInt32(i), fPort: 1, dataRate: 5,
                                                  frequency: 868_100_000, rssi: -50, snr: 7, gatewayCount: 1, confirmed: false, size: 12))
        }
        let recent = try await r.recentUplinks(devEUI: devEUI, limit: 1000)
        #expect(recent.first?.fCnt == 199)
        #expect(recent.count <= 10 + 64)
    }

    @Test("a restart loses nothing: sessions, nonces and queue reopen from the file")
    func restart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-reg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("registry.sqlite").path
        do {
            let r = try SQLiteRegistry(path: path)
            try await provision(r)
            var s = DeviceSession(devEUI: devEUI, devAddr: DevAddr(5), macVersion: .lorawan1_0, keys: SessionKeys(nwkSKey: appKey, appSKey: appKey))
            s.fCntUp = 41
            s.nFCntDown = 3
            try await r.saveSession(s)
            _ = try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 9, strictlyIncreasing: false)
            _ = try await r.enqueue(DownlinkQueueItem(devEUI: devEUI, fPort: 2, data: [9]))
        }
        let r = try SQLiteRegistry(path: path)
        #expect(try await r.session(devEUI: devEUI)?.fCntUp == 41)
        #expect(try await r.session(devEUI: devEUI)?.nFCntDown == 3)
        #expect(try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 9, strictlyIncreasing: false) == nil)
        #expect(try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 10, strictlyIncreasing: false) == 2)
        #expect(try await r.queue(devEUI: devEUI).count == 1)
        #expect(try r.appliedMigrations().count == 4)
    }
}
