import Foundation
import LoRaWAN
import Logging
@testable import NetworkServer
import Registry
import Testing
import TestSupport

/// A wall clock the test moves.
final class MillisBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64 = 1_000_000
    var now: Int64 { lock.lock(); defer { lock.unlock() }; return value }
    func advance(_ millis: Int64) { lock.lock(); value += millis; lock.unlock() }
}

@Suite("Device context cache: stale entries answer while refreshed in the background")
struct DeviceContextCacheTests {
    let eui = EUI64(0x42)

    func makeServer() async throws -> (NetworkServer, SQLiteRegistry, MillisBox) {
        let registry = try SQLiteRegistry(path: ":memory:")
        try await registry.createApplication(Application(id: "app", name: "App"))
        try await registry.createDeviceProfile(DeviceProfile(id: "p", name: "p", region: "EU868", macVersion: "1.0.3"))
        try await registry.createDevice(Device(devEUI: eui, joinEUI: EUI64(1), name: "first", applicationID: "app", deviceProfileID: "p",
                                               appKey: Harness.appKey))
        let time = MillisBox()
        let server = NetworkServer(configuration: NetworkServerConfiguration(), regions: try RegionFiles.catalog(), registry: registry,
                                   sessions: registry, logger: Logger(label: "ns-test"), clock: ManualClock(), nowMillis: { time.now }) { _ in }
        return (server, registry, time)
    }

    func rename(_ registry: SQLiteRegistry, _ name: String) async throws {
        var d = try #require(try await registry.device(devEUI: eui))
        d.name = name
        try await registry.updateDevice(d)
    }

    func refresherDone(_ server: NetworkServer) async {
        while await server.deviceRefreshing { await Task.yield() }
    }

    @Test("fresh: cached; expired: the old entry answers at once and the refresh brings the change; long expired: read now")
    func staleWhileRefreshing() async throws {
        let (server, registry, time) = try await makeServer()
        #expect(await server.deviceContext(eui)?.device.name == "first")
        try await rename(registry, "second")
        time.advance(4_000)
        #expect(await server.deviceContext(eui)?.device.name == "first")      // fresh, not re-read
        #expect(await server.deviceRefreshing == false)
        time.advance(2_000)                                                   // expired 1 s ago
        #expect(await server.deviceContext(eui)?.device.name == "first")      // answered from the cache …
        await refresherDone(server)
        #expect(await server.deviceContext(eui)?.info.deviceName == "second") // … and refreshed behind it
        try await rename(registry, "third")
        time.advance(10_001)                                                  // expired more than 5 s ago
        #expect(await server.deviceContext(eui)?.device.name == "third")      // read inline
    }

    @Test("a device deleted meanwhile leaves the cache at the refresh")
    func deleted() async throws {
        let (server, registry, time) = try await makeServer()
        #expect(await server.deviceContext(eui) != nil)
        try await registry.deleteDevice(devEUI: eui)
        time.advance(5_500)
        #expect(await server.deviceContext(eui) != nil)  // the stale entry, once
        await refresherDone(server)
        #expect(await server.deviceContext(eui) == nil)
    }
}
