public import LoRaWAN

/// Provisioning data: applications, device profiles, devices, gateways.
///
/// SQLite (`SQLiteRegistry`) is the first implementation; the protocol is async so that a
/// PostgreSQL one for several network-server instances fits behind it (DESIGN.md).
public protocol RegistryStore: Sendable {
    /// A number that changes whenever an application, device profile or device is updated or
    /// deleted (by any connection or process); nil when the store cannot tell, and callers that
    /// cache records then re-read them.
    func changeGeneration() async throws -> Int64?
    func createApplication(_ application: Application) async throws
    func application(id: String) async throws -> Application?
    func applications() async throws -> [Application]
    func deleteApplication(id: String) async throws

    func createDeviceProfile(_ profile: DeviceProfile) async throws
    func deviceProfile(id: String) async throws -> DeviceProfile?
    func deviceProfiles() async throws -> [DeviceProfile]
    func deleteDeviceProfile(id: String) async throws

    func createDevice(_ device: Device) async throws
    func updateDevice(_ device: Device) async throws
    func device(devEUI: EUI64) async throws -> Device?
    func devices(applicationID: String?) async throws -> [Device]
    func deleteDevice(devEUI: EUI64) async throws

    func upsertGateway(_ gateway: Gateway) async throws
    func gateway(gatewayEUI: EUI64) async throws -> Gateway?
    func gateways() async throws -> [Gateway]
    func deleteGateway(gatewayEUI: EUI64) async throws
}

/// Network-server state: sessions, join nonces, downlink queues, recent uplinks.
public protocol SessionStore: Sendable {
    func session(devEUI: EUI64) async throws -> DeviceSession?
    /// Every session using `devAddr` (several devices may share one; the MIC decides).
    func sessions(devAddr: DevAddr) async throws -> [DeviceSession]
    func saveSession(_ session: DeviceSession) async throws
    func deleteSession(devEUI: EUI64) async throws
    func allSessions() async throws -> [DeviceSession]

    /// Records a join: refuses a used DevNonce (1.0.x) or one not above the last (1.1) by
    /// returning false, else stores it, increments the device's JoinNonce and returns true with it.
    func recordJoin(devEUI: EUI64, joinEUI: EUI64, devNonce: UInt16, strictlyIncreasing: Bool) async throws -> UInt32?
    /// Increments and returns the device's JoinNonce (for a join-accept answering a rejoin-request).
    func nextJoinNonce(devEUI: EUI64) async throws -> UInt32

    func enqueue(_ item: DownlinkQueueItem) async throws -> Int64
    func queue(devEUI: EUI64) async throws -> [DownlinkQueueItem]
    func removeQueueItem(id: Int64) async throws
    func flushQueue(devEUI: EUI64) async throws

    func recordUplink(_ record: UplinkRecord) async throws
    func recentUplinks(devEUI: EUI64, limit: Int) async throws -> [UplinkRecord]

    /// Writes one batch of the network server's write-behind state in ONE transaction: whole
    /// sessions, bare uplink counters (`fCntUp` of sessions whose other fields did not change;
    /// only existing sessions are touched) and uplink rows. Either all of it is durable or none.
    func commitBatch(sessions: [DeviceSession], counters: [(devEUI: EUI64, fCntUp: UInt32)], uplinks: [UplinkRecord]) async throws
}

extension SessionStore {
    /// Default for stores without transactions: one write at a time, counters via the session.
    public func commitBatch(sessions: [DeviceSession], counters: [(devEUI: EUI64, fCntUp: UInt32)], uplinks: [UplinkRecord]) async throws {
        for s in sessions { try await saveSession(s) }
        for c in counters {
            guard var s = try await session(devEUI: c.devEUI) else { continue }
            s.fCntUp = max(s.fCntUp ?? 0, c.fCntUp)
            try await saveSession(s)
        }
        for u in uplinks { try await recordUplink(u) }
    }
}

extension RegistryStore {
    public func changeGeneration() async throws -> Int64? { nil }
}
