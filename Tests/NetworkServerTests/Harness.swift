import Foundation
import LoRaWAN
import Logging
@testable import NetworkServer
import Registry
import TestSupport

/// A network server over an in-memory (or file) registry that records what it transmits.
final class Harness: @unchecked Sendable {
    let registry: SQLiteRegistry
    let server: NetworkServer
    let recorder: SentRecorder
    var sent: [DownlinkFrame] { recorder.frames }
    static let gateway = EUI64(0xAA00_0000_0000_0001)
    static let gateway2 = EUI64(0xAA00_0000_0000_0002)
    static let appKey = try! AES128Key(hex: "000102030405060708090A0B0C0D0E0F")
    static let nwkKey = try! AES128Key(hex: "F0E0D0C0B0A090807060504030201000")

    let clock = ManualClock()

    init(path: String = ":memory:", dedupMillis: Int = 200, earlyClose: Bool = true, downlinkCounterReservation: Int = 16) throws {
        registry = try SQLiteRegistry(path: path)
        let recorder = SentRecorder()
        self.recorder = recorder
        var config = NetworkServerConfiguration()
        config.deduplicationWindowMillis = dedupMillis
        config.deduplicationEarlyClose = earlyClose
        config.downlinkCounterReservation = downlinkCounterReservation
        server = NetworkServer(configuration: config, regions: try RegionFiles.catalog(), registry: registry, sessions: registry,
                               logger: Logger(label: "ns-test"), clock: clock) { frame in
            recorder.record(frame)
        }
    }

    /// Runs `body` with the path of a registry file in a fresh directory (also passed), removed
    /// afterwards: for tests that restart a server on the same files.
    static func withRegistryFile(_ body: (_ registryPath: String, _ directory: URL) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-ns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try await body(dir.appendingPathComponent("registry.sqlite").path, dir)
    }

    /// Provisions application, profile and an OTAA device.
    func provision(devEUI: EUI64, macVersion: String = "1.0.3", classC: Bool = false, adr: Bool = true) async throws {
        if try await registry.application(id: "app") == nil {
            try await registry.createApplication(Application(id: "app", name: "App"))
        }
        let profileID = "p-\(macVersion.replacingOccurrences(of: ".", with: "_"))-\(classC ? "c" : "a")-\(adr)"
        if try await registry.deviceProfile(id: profileID) == nil {
            try await registry.createDeviceProfile(DeviceProfile(id: profileID, name: profileID, region: "EU868", macVersion: macVersion,
                                                                 supportsClassC: classC, adrEnabled: adr))
        }
        try await registry.createDevice(Device(devEUI: devEUI, joinEUI: EUI64(0x70B3_D57E_D000_0000), name: "dev", applicationID: "app",
                                               deviceProfileID: profileID, appKey: Self.appKey,
                                               nwkKey: macVersion.hasPrefix("1.1") ? Self.nwkKey : nil))
    }

    /// Provisions and joins a device; returns it with its session.
    func joinedDevice(_ devEUI: EUI64, macVersion: String = "1.0.3", classC: Bool = false, adr: Bool = true) async throws -> SimulatedDevice {
        try await provision(devEUI: devEUI, macVersion: macVersion, classC: classC, adr: adr)
        var device = SimulatedDevice(devEUI: devEUI, appKey: Self.appKey, nwkKey: macVersion.hasPrefix("1.1") ? Self.nwkKey : nil,
                                     version: macVersion.hasPrefix("1.1") ? .lorawan1_1 : .lorawan1_0)
        let outcome = await server.process(frames: [SimulatedDevice.frame(try device.joinRequest(), gateway: Self.gateway)])
        guard case let .accepted(downlink?) = outcome else { throw HarnessError.joinFailed("\(outcome)") }
        try device.acceptJoin(downlink.phyPayload)
        return device
    }

    enum HarnessError: Error { case joinFailed(String) }
}

/// Collects transmitted downlinks.
final class SentRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var _frames: [DownlinkFrame] = []
    var frames: [DownlinkFrame] { lock.lock(); defer { lock.unlock() }; return _frames }
    func record(_ frame: DownlinkFrame) { lock.lock(); _frames.append(frame); lock.unlock() }
}
