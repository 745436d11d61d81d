import Foundation
import LoRaWAN
import SQLite
import Testing
@testable import Registry

@Suite("Downlink queue read on its own connection")
struct QueueReaderTests {
    func fileRegistry() throws -> (SQLiteRegistry, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-queue-\(UUID().uuidString).sqlite").path
        return (try SQLiteRegistry(path: path), path)
    }

    func cleanUp(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test("an enqueue, a removal and a flush are seen by the next read")
    func readYourWrites() async throws {
        let (r, path) = try fileRegistry()
        defer { cleanUp(path) }
        try await provision(r)
        #expect(try await r.queue(devEUI: devEUI).isEmpty)
        let first = try await r.enqueue(DownlinkQueueItem(devEUI: devEUI, fPort: 2, data: [1, 2], confirmed: true, createdAtMillis: 5, expiresAtMillis: 99))
        let second = try await r.enqueue(DownlinkQueueItem(devEUI: devEUI, fPort: 3, data: [3], createdAtMillis: 6))
        let items = try await r.queue(devEUI: devEUI)
        #expect(items.map(\.id) == [first, second])
        #expect(items.first?.data == [1, 2] && items.first?.confirmed == true && items.first?.expiresAtMillis == 99 && items.first?.fPort == 2)
        #expect(items.last?.expiresAtMillis == nil)
        try await r.removeQueueItem(id: first)
        #expect(try await r.queue(devEUI: devEUI).map(\.id) == [second])
        try await r.flushQueue(devEUI: devEUI)
        #expect(try await r.queue(devEUI: devEUI).isEmpty)
    }

    @Test("a read during a write transaction answers at once with the last committed queue")
    func notBlockedByWriter() async throws {
        let (r, path) = try fileRegistry()
        defer { cleanUp(path) }
        try await provision(r)
        let kept = try await r.enqueue(DownlinkQueueItem(devEUI: devEUI, fPort: 2, data: [1], createdAtMillis: 5))
        // An open write transaction on the writer connection (as during a batch commit) holding
        // an uncommitted insert: the read neither waits for it nor sees the row.
        try r.connection.execute("BEGIN IMMEDIATE")
        try r.connection.execute("INSERT INTO device_queue(dev_eui, f_port, data, confirmed, created_at) VALUES ('\(devEUI)', 9, x'FF', 0, 7)")
        #expect(try await r.queue(devEUI: devEUI).map(\.id) == [kept])
        try r.connection.execute("COMMIT")
        #expect(try await r.queue(devEUI: devEUI).map(\.fPort) == [2, 9])
    }

    @Test("another process's enqueue (another connection) is seen")
    func otherWriter() async throws {
        let (r, path) = try fileRegistry()
        defer { cleanUp(path) }
        try await provision(r)
        #expect(try await r.queue(devEUI: devEUI).isEmpty)
        let other = try SQLiteRegistry(path: path)
        _ = try await other.enqueue(DownlinkQueueItem(devEUI: devEUI, fPort: 4, data: [4], createdAtMillis: 8))
        #expect(try await r.queue(devEUI: devEUI).map(\.fPort) == [4])
    }
}

@Suite("Registry change generation")
struct ChangeGenerationTests {
    @Test("moves on every update or delete of a device, profile or application — not on creates, joins or session commits")
    func moves() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-gen-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let r = try SQLiteRegistry(path: path)
        try await provision(r)
        let start = try #require(try await r.changeGeneration())
        // Creating, joining and committing sessions leave it alone (a bulk import or a join must
        // not make the network server re-read every device).
        try await provision(r, devEUI: EUI64(0x77))
        _ = try await r.recordJoin(devEUI: devEUI, joinEUI: EUI64(1), devNonce: 1, strictlyIncreasing: false)
        let keys = SessionKeys(nwkSKey: appKey, appSKey: appKey)
        try await r.commitBatch(sessions: [DeviceSession(devEUI: devEUI, devAddr: DevAddr(9), macVersion: .lorawan1_0, keys: keys)],
                                counters: [(devEUI: devEUI, fCntUp: 3)], uplinks: [])
        #expect(try await r.changeGeneration() == start)

        var d = try #require(try await r.device(devEUI: devEUI))
        d.name = "renamed"
        try await r.updateDevice(d)
        let afterDevice = try #require(try await r.changeGeneration())
        #expect(afterDevice > start)
        var p = try #require(try await r.deviceProfile(id: "eu-a"))
        p.name = "changed"
        try await r.updateDeviceProfile(p)
        let afterProfile = try #require(try await r.changeGeneration())
        #expect(afterProfile > afterDevice)
        try await r.updateApplication(Application(id: "farm", name: "Renamed farm"))
        let afterApplication = try #require(try await r.changeGeneration())
        #expect(afterApplication > afterProfile)
        // Another process (connection) deleting a device is seen too.
        let other = try SQLiteRegistry(path: path)
        try await other.deleteDevice(devEUI: EUI64(0x77))
        #expect(try #require(try await r.changeGeneration()) > afterApplication)
    }
}
