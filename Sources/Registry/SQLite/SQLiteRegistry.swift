import Foundation
public import LoRaWAN
import SQLite

/// The registry and session store in one SQLite file (`<data-dir>/registry.sqlite`).
///
/// One connection in WAL mode behind a lock: each public call is one short unit of work (a
/// transaction where it writes several rows). Records whose shape may grow (profiles, devices,
/// sessions) are stored as JSON next to the indexed columns that queries need.
public final class SQLiteRegistry: RegistryStore, SessionStore, @unchecked Sendable {
    // @unchecked: `connection` and `statements` are only touched while holding `lock`.
    let connection: Connection
    private var statements = StatementCache()
    private let lock = NSLock()
    /// Seals device root keys and session keys with the key-encryption key (when configured).
    let sealing: KeySealing
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }()
    private let decoder = JSONDecoder()
    /// Uplink rows kept per device (older ones are pruned as new ones arrive).
    public let uplinkRetentionPerDevice: Int
    /// The network server's per-uplink reads (a device's downlink queue; device, profile and
    /// application when its cache refreshes) go to their own connection: a WAL reader sees the
    /// last commit and never waits for the writer, so they are not held up — and do not block a
    /// concurrency-pool thread on `lock` — while a batch of sessions commits on `connection`.
    /// nil for an in-memory registry.
    private var reader: ReadConnection?

    /// Opens (creating and migrating) the registry at `path`; ":memory:" for tests.
    ///
    /// With a `keyEncryptionKey`, device root keys and session keys are stored wrapped with it
    /// (RFC 3394), and keys an older registry stored in plaintext are wrapped on open. Without
    /// one, keys are stored as they are, and reading a wrapped key fails with a clear error.
    public init(path: String, uplinkRetentionPerDevice: Int = 100, keyEncryptionKey: KeyEncryptionKey? = nil) throws {
        connection = try Connection(path: path)
        self.uplinkRetentionPerDevice = uplinkRetentionPerDevice
        sealing = KeySealing(kek: keyEncryptionKey)
        if path != ":memory:" { try connection.enableWAL() }
        try connection.execute("PRAGMA foreign_keys=ON")
        try migrate()
        if keyEncryptionKey != nil {
            try verifyKeyEncryptionKey()
            try sealPlaintextKeys()
        }
        if path != ":memory:" { reader = try ReadConnection(path: path) }
    }

    /// Refuses a KEK that does not open the keys already stored (a lost `kek.key` replaced by a
    /// new one, a wrong `LORIKEET_KEK`): better not to start than to serve devices whose keys
    /// cannot be read.
    func verifyKeyEncryptionKey() throws {
        let rows = try locked {
            try connection.prepare("SELECT body FROM devices WHERE body LIKE '%\":\"kw1:%' LIMIT 1").rows()
                + connection.prepare("SELECT state FROM device_sessions WHERE state LIKE '%\":\"kw1:%' LIMIT 1").rows()
        }
        for row in rows {
            do { _ = try sealing.open(Self.text(row, 0)) } catch {
                throw RegistryError.invalidValue(field: "key-encryption key",
                                                 reason: "it does not open the device keys stored in this registry (restore the original kek.key or LORIKEET_KEK)")
            }
        }
    }

    /// Wraps every key still stored in plaintext (a registry from before key encryption), in one
    /// transaction. Returns the number of rows rewritten.
    @discardableResult
    func sealPlaintextKeys() throws -> Int {
        try locked {
            try connection.transaction { () throws -> Int in
                var count = 0
                for (table, column, key) in [("devices", "body", "dev_eui"), ("device_sessions", "state", "dev_eui")] {
                    let rows = try connection.prepare("SELECT \(key), \(column) FROM \(table)").rows()
                    let update = try connection.prepare("UPDATE \(table) SET \(column) = ? WHERE \(key) = ?")
                    for r in rows {
                        let text = Self.text(r, 1)
                        guard KeySealing.hasPlaintextKeys(text) else { continue }
                        try update.run([.text(try sealing.seal(text)), .text(Self.text(r, 0))])
                        update.reset()
                        count += 1
                    }
                }
                return count
            }
        }
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try locked { try connection.prepare("SELECT name FROM schema_migrations ORDER BY rowid").rows().compactMap { row -> String? in
            if case let .text(t) = row.first { return t }
            return nil
        } }
    }

    private func migrate() throws {
        try connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)")
        let applied = Set(try connection.prepare("SELECT name FROM schema_migrations").rows().compactMap { row -> String? in
            if case let .text(t) = row.first { return t }
            return nil
        })
        for m in Migrations.all where !applied.contains(m.name) {
            _ = try connection.transaction {
                try connection.execute(m.sql)
                try connection.prepare("INSERT INTO schema_migrations(name) VALUES (?)").run([.text(m.name)])
            }
        }
    }

    // MARK: Plumbing

    func locked<R>(_ body: () throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        do { return try body() } catch let e as SQLiteError {
            if e.primaryCode == 19 { // SQLITE_CONSTRAINT
                throw RegistryError.storage("constraint violated: \(e.message)")
            }
            throw RegistryError.storage(e.description)
        }
    }

    func statement(_ sql: String) throws -> Statement {
        try statements.statement(sql, on: connection)
    }

    /// JSON of a record, with any key fields sealed (see ``KeySealing``).
    func json<T: Encodable>(_ value: T) throws -> String {
        try sealing.seal(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String?, kind: String, id: String) throws -> T {
        guard var text else { throw RegistryError.corruptRecord(kind: kind, id: id, reason: "missing body") }
        if text.contains("\":\"kw1:") {
            do { text = try sealing.open(text) } catch {
                throw RegistryError.corruptRecord(kind: kind, id: id, reason: "\(error)")
            }
        }
        do { return try decoder.decode(T.self, from: Data(text.utf8)) } catch {
            throw RegistryError.corruptRecord(kind: kind, id: id, reason: "\(error)".prefix(120).description)
        }
    }

    func exists(_ sql: String, _ values: [Value]) throws -> Bool {
        let s = try statement(sql)
        defer { s.reset() }
        s.bind(values)
        return try s.step()
    }

    func insert(kind: String, id: String, _ sql: String, _ values: [Value]) throws {
        do { try statement(sql).run(values) } catch let e as SQLiteError where e.code == 1555 || e.code == 2067 {
            // SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE
            throw RegistryError.alreadyExists(kind: kind, id: id)
        }
    }

    func deleteOne(kind: String, id: String, _ sql: String, _ values: [Value]) throws {
        try statement(sql).run(values)
        guard connection.changes > 0 else { throw RegistryError.notFound(kind: kind, id: id) }
    }

    // MARK: Applications

    public func createApplication(_ a: Application) async throws {
        guard Self.isValidID(a.id) else { throw RegistryError.invalidValue(field: "application id", reason: "use letters, digits, '-' or '_' (1–64)") }
        try locked { try insert(kind: "application", id: a.id, "INSERT INTO applications(id, name, description) VALUES (?, ?, ?)",
                                [.text(a.id), .text(a.name), .text(a.description)]) }
    }

    public func application(id: String) async throws -> Application? {
        guard let r = try readRows("SELECT id, name, description FROM applications WHERE id = ?", [.text(id)]).first else { return nil }
        return Application(id: Self.text(r, 0), name: Self.text(r, 1), description: Self.text(r, 2))
    }

    public func changeGeneration() async throws -> Int64? {
        guard let r = try readRows("SELECT value FROM registry_generation WHERE id = 1", []).first, case let .integer(g) = r[0] else { return nil }
        return g
    }

    /// Rows of a read on the reader connection (the writer's lock when there is none).
    func readRows(_ sql: String, _ values: [Value]) throws -> [[Value]] {
        guard let reader else { return try locked { try statement(sql).rows(values) } }
        do { return try reader.rows(sql, values) } catch { throw RegistryError.storage("\(error)") }
    }

    public func applications() async throws -> [Application] {
        try locked {
            try statement("SELECT id, name, description FROM applications ORDER BY id").rows().map { r in
                Application(id: Self.text(r, 0), name: Self.text(r, 1), description: Self.text(r, 2))
            }
        }
    }

    public func deleteApplication(id: String) async throws {
        try locked {
            guard try !exists("SELECT 1 FROM devices WHERE application_id = ? LIMIT 1", [.text(id)]) else {
                throw RegistryError.invalidValue(field: "application", reason: "\(id) still has devices")
            }
            guard try !exists("SELECT 1 FROM api_keys WHERE application_id = ? LIMIT 1", [.text(id)]) else {
                throw RegistryError.invalidValue(field: "application", reason: "\(id) still has API keys")
            }
            try connection.transaction {
                try statement("DELETE FROM device_groups WHERE application_id = ?").run([.text(id)])
                try deleteOne(kind: "application", id: id, "DELETE FROM applications WHERE id = ?", [.text(id)])
            }
        }
    }

    // MARK: Device profiles

    public func createDeviceProfile(_ p: DeviceProfile) async throws {
        guard Self.isValidID(p.id) else { throw RegistryError.invalidValue(field: "device profile id", reason: "use letters, digits, '-' or '_' (1–64)") }
        try p.validate()
        try locked {
            try insert(kind: "device_profile", id: p.id, "INSERT INTO device_profiles(id, name, region, mac_version, body) VALUES (?, ?, ?, ?, ?)",
                       [.text(p.id), .text(p.name), .text(p.region), .text(p.macVersion), .text(try json(p))])
        }
    }

    public func deviceProfile(id: String) async throws -> DeviceProfile? {
        guard let r = try readRows("SELECT body FROM device_profiles WHERE id = ?", [.text(id)]).first else { return nil }
        return try decode(DeviceProfile.self, Self.optionalText(r, 0), kind: "device_profile", id: id)
    }

    public func deviceProfiles() async throws -> [DeviceProfile] {
        try locked {
            try statement("SELECT id, body FROM device_profiles ORDER BY id").rows().map { r in
                try decode(DeviceProfile.self, Self.text(r, 1), kind: "device_profile", id: Self.text(r, 0))
            }
        }
    }

    public func deleteDeviceProfile(id: String) async throws {
        try locked {
            guard try !exists("SELECT 1 FROM devices WHERE device_profile_id = ? LIMIT 1", [.text(id)]) else {
                throw RegistryError.invalidValue(field: "device profile", reason: "\(id) is used by devices")
            }
            try deleteOne(kind: "device_profile", id: id, "DELETE FROM device_profiles WHERE id = ?", [.text(id)])
        }
    }

    // MARK: Devices

    func checkReferences(_ d: Device) throws {
        guard try exists("SELECT 1 FROM applications WHERE id = ?", [.text(d.applicationID)]) else {
            throw RegistryError.invalidReference(kind: "application", id: d.applicationID)
        }
        guard try exists("SELECT 1 FROM device_profiles WHERE id = ?", [.text(d.deviceProfileID)]) else {
            throw RegistryError.invalidReference(kind: "device_profile", id: d.deviceProfileID)
        }
    }

    public func createDevice(_ d: Device) async throws {
        guard d.appKey != nil || d.abp != nil else {
            throw RegistryError.invalidValue(field: "device", reason: "needs an AppKey (OTAA) or an ABP session")
        }
        try locked {
            try checkReferences(d)
            try insert(kind: "device", id: d.devEUI.description,
                       "INSERT INTO devices(dev_eui, join_eui, name, application_id, device_profile_id, body) VALUES (?, ?, ?, ?, ?, ?)",
                       [.text(d.devEUI.description), .text(d.joinEUI.description), .text(d.name), .text(d.applicationID),
                        .text(d.deviceProfileID), .text(try json(d))])
        }
    }

    public func updateDevice(_ d: Device) async throws {
        try locked {
            try checkReferences(d)
            try statement("UPDATE devices SET join_eui = ?, name = ?, application_id = ?, device_profile_id = ?, body = ? WHERE dev_eui = ?")
                .run([.text(d.joinEUI.description), .text(d.name), .text(d.applicationID), .text(d.deviceProfileID),
                      .text(try json(d)), .text(d.devEUI.description)])
            guard connection.changes > 0 else { throw RegistryError.notFound(kind: "device", id: d.devEUI.description) }
        }
    }

    public func device(devEUI: EUI64) async throws -> Device? {
        guard let r = try readRows("SELECT body FROM devices WHERE dev_eui = ?", [.text(devEUI.description)]).first else { return nil }
        return try decode(Device.self, Self.optionalText(r, 0), kind: "device", id: devEUI.description)
    }

    public func devices(applicationID: String?) async throws -> [Device] {
        try locked {
            let rows = if let applicationID {
                try statement("SELECT dev_eui, body FROM devices WHERE application_id = ? ORDER BY dev_eui").rows([.text(applicationID)])
            } else {
                try statement("SELECT dev_eui, body FROM devices ORDER BY dev_eui").rows()
            }
            return try rows.map { r in try decode(Device.self, Self.text(r, 1), kind: "device", id: Self.text(r, 0)) }
        }
    }

    public func deleteDevice(devEUI: EUI64) async throws {
        try locked { try deleteOne(kind: "device", id: devEUI.description, "DELETE FROM devices WHERE dev_eui = ?", [.text(devEUI.description)]) }
    }

    // MARK: Gateways

    public func upsertGateway(_ g: Gateway) async throws {
        try locked {
            try statement("""
                INSERT INTO gateways(gateway_eui, name, latitude, longitude, altitude, last_seen) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(gateway_eui) DO UPDATE SET name = excluded.name, latitude = excluded.latitude,
                  longitude = excluded.longitude, altitude = excluded.altitude, last_seen = excluded.last_seen
                """).run([.text(g.gatewayEUI.description), .text(g.name), Self.real(g.location?.latitude), Self.real(g.location?.longitude),
                          Self.real(g.location?.altitude), g.lastSeenMillis.map { .integer($0) } ?? .null])
        }
    }

    func gatewayRow(_ r: [Value]) throws -> Gateway {
        let eui = try EUI64(hex: Self.text(r, 0))
        var location: GatewayLocation?
        if case let .real(lat) = r[2], case let .real(lon) = r[3] {
            var alt = 0.0
            if case let .real(a) = r[4] { alt = a }
            location = GatewayLocation(latitude: lat, longitude: lon, altitude: alt)
        }
        var lastSeen: Int64?
        if case let .integer(t) = r[5] { lastSeen = t }
        return Gateway(gatewayEUI: eui, name: Self.text(r, 1), location: location, lastSeenMillis: lastSeen)
    }

    public func gateway(gatewayEUI: EUI64) async throws -> Gateway? {
        try locked {
            try statement("SELECT gateway_eui, name, latitude, longitude, altitude, last_seen FROM gateways WHERE gateway_eui = ?")
                .rows([.text(gatewayEUI.description)]).first.map(gatewayRow)
        }
    }

    public func gateways() async throws -> [Gateway] {
        try locked {
            try statement("SELECT gateway_eui, name, latitude, longitude, altitude, last_seen FROM gateways ORDER BY gateway_eui").rows().map(gatewayRow)
        }
    }

    public func deleteGateway(gatewayEUI: EUI64) async throws {
        try locked { try deleteOne(kind: "gateway", id: gatewayEUI.description, "DELETE FROM gateways WHERE gateway_eui = ?", [.text(gatewayEUI.description)]) }
    }

    // MARK: Sessions

    public func session(devEUI: EUI64) async throws -> DeviceSession? {
        try locked {
            try statement("SELECT dev_eui, state, f_cnt_up FROM device_sessions WHERE dev_eui = ?").rows([.text(devEUI.description)])
                .first.map(sessionRow)
        }
    }

    public func sessions(devAddr: DevAddr) async throws -> [DeviceSession] {
        try locked {
            try statement("SELECT dev_eui, state, f_cnt_up FROM device_sessions WHERE dev_addr = ?").rows([.integer(Int64(devAddr.rawValue))])
                .map(sessionRow)
        }
    }

    public func allSessions() async throws -> [DeviceSession] {
        try locked { try statement("SELECT dev_eui, state, f_cnt_up FROM device_sessions").rows().map(sessionRow) }
    }

    /// A session from (dev_eui, state, f_cnt_up). The network server's write-behind updates the
    /// `f_cnt_up` column alone between whole-state writes, so the larger of the two counters wins.
    private func sessionRow(_ r: [Value]) throws -> DeviceSession {
        var session = try decode(DeviceSession.self, Self.text(r, 1), kind: "device_session", id: Self.text(r, 0))
        if r.count > 2, case let .integer(column) = r[2], let c = UInt32(exactly: column), c > (session.fCntUp ?? 0) || session.fCntUp == nil {
            session.fCntUp = c
        }
        return session
    }

    /// The thread batch commits run on. A commit writes (and may checkpoint) for milliseconds;
    /// on one of the concurrency pool's threads — two on a 2-core machine — it would hold back
    /// every actor and task for that long.
    private static let commitQueue = DispatchQueue(label: "lorikeet.registry.commit", qos: .userInitiated)

    public func commitBatch(sessions: [DeviceSession], counters: [(devEUI: EUI64, fCntUp: UInt32)], uplinks: [UplinkRecord]) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            Self.commitQueue.async {
                do {
                    try self.commitBatchNow(sessions: sessions, counters: counters, uplinks: uplinks)
                    done.resume()
                } catch {
                    done.resume(throwing: error)
                }
            }
        }
    }

    private func commitBatchNow(sessions: [DeviceSession], counters: [(devEUI: EUI64, fCntUp: UInt32)], uplinks: [UplinkRecord]) throws {
        try locked {
            try connection.transaction {
                for session in sessions {
                    // A device deleted since the session was cached: its session stays deleted
                    // (and does not fail the whole batch on the foreign key).
                    try statement("""
                        INSERT INTO device_sessions(dev_eui, dev_addr, f_cnt_up, state)
                        SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM devices WHERE dev_eui = ?1)
                        ON CONFLICT(dev_eui) DO UPDATE SET dev_addr = excluded.dev_addr, f_cnt_up = excluded.f_cnt_up, state = excluded.state
                        """).run([.text(session.devEUI.description), .integer(Int64(session.devAddr.rawValue)),
                                  session.fCntUp.map { .integer(Int64($0)) } ?? .null, .text(try json(session))])
                }
                for c in counters {
                    // Only forward: a counter never moves back, and a row that is gone stays gone.
                    try statement("UPDATE device_sessions SET f_cnt_up = ?1 WHERE dev_eui = ?2 AND (f_cnt_up IS NULL OR f_cnt_up < ?1)")
                        .run([.integer(Int64(c.fCntUp)), .text(c.devEUI.description)])
                }
                for u in uplinks { try insertUplink(u) }
            }
        }
    }

    public func saveSession(_ session: DeviceSession) async throws {
        try locked { try upsertSession(session) }
    }

    private func upsertSession(_ session: DeviceSession) throws {
            try statement("""
                INSERT INTO device_sessions(dev_eui, dev_addr, f_cnt_up, state) VALUES (?, ?, ?, ?)
                ON CONFLICT(dev_eui) DO UPDATE SET dev_addr = excluded.dev_addr, f_cnt_up = excluded.f_cnt_up, state = excluded.state
                """).run([.text(session.devEUI.description), .integer(Int64(session.devAddr.rawValue)),
                          session.fCntUp.map { .integer(Int64($0)) } ?? .null, .text(try json(session))])
    }

    public func deleteSession(devEUI: EUI64) async throws {
        try locked { try statement("DELETE FROM device_sessions WHERE dev_eui = ?").run([.text(devEUI.description)]) }
    }

    public func recordJoin(devEUI: EUI64, joinEUI: EUI64, devNonce: UInt16, strictlyIncreasing: Bool) async throws -> UInt32? {
        try locked {
            try connection.transaction { () throws -> UInt32? in
                let dev = Value.text(devEUI.description)
                if strictlyIncreasing {
                    let s = try statement("SELECT MAX(dev_nonce) FROM dev_nonces WHERE dev_eui = ? AND join_eui = ?")
                    let rows = try s.rows([dev, .text(joinEUI.description)])
                    if case let .integer(last)? = rows.first?.first, Int64(devNonce) <= last { return nil }
                } else if try exists("SELECT 1 FROM dev_nonces WHERE dev_eui = ? AND join_eui = ? AND dev_nonce = ?",
                                     [dev, .text(joinEUI.description), .integer(Int64(devNonce))]) {
                    return nil
                }
                try statement("INSERT INTO dev_nonces(dev_eui, join_eui, dev_nonce) VALUES (?, ?, ?)")
                    .run([dev, .text(joinEUI.description), .integer(Int64(devNonce))])
                let rows = try statement("UPDATE devices SET join_nonce = join_nonce + 1 WHERE dev_eui = ? RETURNING join_nonce").rows([dev])
                guard case let .integer(n)? = rows.first?.first else { throw RegistryError.notFound(kind: "device", id: devEUI.description) }
                // JoinNonce is 24 bits; a device that joined 16 million times needs a new identity.
                guard n <= 0xFF_FFFF else { throw RegistryError.invalidValue(field: "JoinNonce", reason: "exhausted for \(devEUI)") }
                return UInt32(n)
            }
        }
    }

    public func nextJoinNonce(devEUI: EUI64) async throws -> UInt32 {
        try locked {
            let rows = try statement("UPDATE devices SET join_nonce = join_nonce + 1 WHERE dev_eui = ? RETURNING join_nonce").rows([.text(devEUI.description)])
            guard case let .integer(n)? = rows.first?.first else { throw RegistryError.notFound(kind: "device", id: devEUI.description) }
            guard n <= 0xFF_FFFF else { throw RegistryError.invalidValue(field: "JoinNonce", reason: "exhausted for \(devEUI)") }
            return UInt32(n)
        }
    }

    // MARK: Downlink queue

    public func enqueue(_ item: DownlinkQueueItem) async throws -> Int64 {
        try locked {
            guard try exists("SELECT 1 FROM devices WHERE dev_eui = ?", [.text(item.devEUI.description)]) else {
                throw RegistryError.notFound(kind: "device", id: item.devEUI.description)
            }
            try statement("INSERT INTO device_queue(dev_eui, f_port, data, confirmed, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
                .run([.text(item.devEUI.description), .integer(Int64(item.fPort)), .blob(item.data), .integer(item.confirmed ? 1 : 0),
                      .integer(item.createdAtMillis), item.expiresAtMillis.map { .integer($0) } ?? .null])
            return connection.lastInsertRowID
        }
    }

    public func queue(devEUI: EUI64) async throws -> [DownlinkQueueItem] {
        let sql = "SELECT id, f_port, data, confirmed, created_at, expires_at FROM device_queue WHERE dev_eui = ? ORDER BY id"
        return try readRows(sql, [.text(devEUI.description)]).map { r in
            var data: [UInt8] = []
            if case let .blob(b) = r[2] { data = b }
            return DownlinkQueueItem(id: Self.int(r, 0), devEUI: devEUI, fPort: UInt8(truncatingIfNeeded: Self.int(r, 1)), data: data,
                                     confirmed: Self.int(r, 3) != 0, createdAtMillis: Self.int(r, 4),
                                     expiresAtMillis: { if case let .integer(e) = r[5] { return e } else { return nil } }())
        }
    }

    public func removeQueueItem(id: Int64) async throws {
        try locked { try statement("DELETE FROM device_queue WHERE id = ?").run([.integer(id)]) }
    }

    public func flushQueue(devEUI: EUI64) async throws {
        try locked { try statement("DELETE FROM device_queue WHERE dev_eui = ?").run([.text(devEUI.description)]) }
    }

    // MARK: Uplinks

    public func recordUplink(_ u: UplinkRecord) async throws {
        try locked { try insertUplink(u) }
    }

    private func insertUplink(_ u: UplinkRecord) throws {
        do {
            let dev = Value.text(u.devEUI.description)
            try statement("""
                INSERT INTO uplinks(time, dev_eui, dev_addr, f_cnt, f_port, dr, frequency, rssi, snr, gateway_count, confirmed, size)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([.integer(u.timeMillis), dev, .text(u.devAddr.description), .integer(Int64(u.fCnt)),
                          u.fPort.map { .integer(Int64($0)) } ?? .null, .integer(Int64(u.dataRate)), .integer(Int64(u.frequency)),
                          .integer(Int64(u.rssi)), .real(u.snr), .integer(Int64(u.gatewayCount)), .integer(u.confirmed ? 1 : 0),
                          .integer(Int64(u.size))])
            // Keep the table bounded: every 64th row for a device, drop what is past the retention.
            if connection.lastInsertRowID % 64 == 0 {
                try statement("""
                    DELETE FROM uplinks WHERE dev_eui = ?1 AND id <= (
                      SELECT id FROM uplinks WHERE dev_eui = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
                    """).run([dev, .integer(Int64(uplinkRetentionPerDevice))])
            }
        }
    }

    public func recentUplinks(devEUI: EUI64, limit: Int) async throws -> [UplinkRecord] {
        try locked {
            try statement("""
                SELECT time, dev_addr, f_cnt, f_port, dr, frequency, rssi, snr, gateway_count, confirmed, size
                FROM uplinks WHERE dev_eui = ? ORDER BY id DESC LIMIT ?
                """).rows([.text(devEUI.description), .integer(Int64(limit))]).map { r in
                    UplinkRecord(timeMillis: Self.int(r, 0), devEUI: devEUI, devAddr: (try? DevAddr(hex: Self.text(r, 1))) ?? DevAddr(0),
                                 fCnt: UInt32(truncatingIfNeeded: Self.int(r, 2)),
                                 fPort: { if case let .integer(p) = r[3] { return UInt8(truncatingIfNeeded: p) } else { return nil } }(),
                                 dataRate: Int(Self.int(r, 4)), frequency: UInt32(truncatingIfNeeded: Self.int(r, 5)), rssi: Int(Self.int(r, 6)),
                                 snr: { if case let .real(v) = r[7] { return v } else { return 0 } }(), gatewayCount: Int(Self.int(r, 8)),
                                 confirmed: Self.int(r, 9) != 0, size: Int(Self.int(r, 10)))
                }
        }
    }

    // MARK: Value helpers

    static func text(_ r: [Value], _ i: Int) -> String {
        guard i < r.count, case let .text(t) = r[i] else { return "" }
        return t
    }

    /// The text in column `i`, nil when it is NULL or not text (a corrupt record, reported by `decode`).
    static func optionalText(_ r: [Value], _ i: Int) -> String? {
        guard i < r.count, case let .text(t) = r[i] else { return nil }
        return t
    }

    static func int(_ r: [Value], _ i: Int) -> Int64 {
        guard i < r.count, case let .integer(v) = r[i] else { return 0 }
        return v
    }

    static func real(_ v: Double?) -> Value { v.map { .real($0) } ?? .null }

    /// Identifiers appear in MQTT topics and URLs: keep them to a safe alphabet.
    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
        }
    }
}
