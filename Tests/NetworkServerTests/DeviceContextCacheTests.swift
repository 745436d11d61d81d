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

    @Test("a deleted device's session, reservation and crypto contexts leave memory")
    func deletedDeviceForgotten() async throws {
        let (server, registry, time) = try await makeServer()
        let abp = EUI64(0x43)
        try await registry.createDevice(Device(devEUI: abp, applicationID: "app", deviceProfileID: "p",
                                               abp: ABPSettings(devAddr: DevAddr(0x0200_0043), keys: SessionKeys(nwkSKey: Harness.appKey, appSKey: Harness.nwkKey))))
        try await server.activateABP(devEUI: abp)
        #expect(await server.cache[abp] != nil)
        #expect(await server.buildCrypto(abp))
        #expect(await server.holdsCrypto(abp))
        #expect(await server.counterReservations[abp] != nil)
        #expect(await server.deviceContext(abp) != nil)
        try await registry.deleteDevice(devEUI: abp)
        time.advance(10_001)                                   // long expired: read inline
        #expect(await server.deviceContext(abp) == nil)
        #expect(await server.cache[abp] == nil)
        #expect(await server.cache.sessions(devAddr: DevAddr(0x0200_0043)).isEmpty)
        #expect(await server.counterReservations[abp] == nil)
        #expect(await !server.holdsCrypto(abp))
        // The other device, still registered, keeps its cache entry.
        #expect(await server.deviceContext(eui) != nil)
    }
}

extension NetworkServer {
    /// Whether keyed crypto contexts are cached for `devEUI` (they are not Sendable, so the
    /// test asks the actor).
    func holdsCrypto(_ devEUI: EUI64) -> Bool { cryptoCache[devEUI] != nil }
    /// Builds (and caches) the crypto contexts of `devEUI`'s cached session.
    func buildCrypto(_ devEUI: EUI64) -> Bool { cache[devEUI].flatMap(sessionCrypto) != nil }
}
