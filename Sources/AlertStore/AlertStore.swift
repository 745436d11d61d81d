public import Events
import Foundation
import SQLite

/// Alerts and the hook-delivery outbox in `<data-dir>/events.sqlite` (WAL).
///
/// Every alert transition is written together with its outbox entries in one transaction, so a
/// crash can never leave an alert without its pending deliveries, nor a delivery without its alert.
/// The schema (tables `alerts`, `alert_deliveries`, view `events`) is documented in docs/events.md;
/// the analytics module attaches this file and queries the `events` view.
///
/// Not thread-safe (it owns one SQLite connection): use it from one task at a time.
public final class AlertStore {
    /// The file name inside the data directory.
    public static let fileName = "events.sqlite"

    let db: Connection
    private let upsertAlert: Statement
    private let insertDelivery: Statement
    private let updateDelivery: Statement
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Opens (creating and migrating) the store at `path` (":memory:" for tests).
    /// - Throws: `AlertStoreError.database` when the file cannot be opened or migrated.
    public init(path: String) throws(AlertStoreError) {
        do {
            db = try Connection(path: path)
            if path != ":memory:" { try db.enableWAL() }
            try Self.migrate(db)
            upsertAlert = try db.prepare("""
                INSERT INTO alerts(id, detector_id, detector_type, device, severity, state, message, value,
                                   fired_at, updated_at, fire_count, acknowledged_at, acknowledged_by, resolved_at, resolve_message)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                ON CONFLICT(id) DO UPDATE SET severity = ?5, state = ?6, message = ?7, value = ?8, updated_at = ?10,
                    fire_count = ?11, acknowledged_at = ?12, acknowledged_by = ?13, resolved_at = ?14, resolve_message = ?15
                """)
            insertDelivery = try db.prepare("""
                INSERT OR IGNORE INTO alert_deliveries(idempotency_key, hook_id, alert_id, transition, body, state,
                                                       attempts, next_attempt_at, last_error, created_at, delivered_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            updateDelivery = try db.prepare("""
                UPDATE alert_deliveries SET state = ?3, attempts = ?4, next_attempt_at = ?5, last_error = ?6, delivered_at = ?7
                WHERE idempotency_key = ?1 AND hook_id = ?2
                """)
        } catch {
            throw .database("\(error)")
        }
    }

    /// Opens `<dataDirectory>/events.sqlite`, creating the directory when needed.
    public convenience init(dataDirectory: String) throws(AlertStoreError) {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .dataDirectory(path: dataDirectory, reason: "\(error.localizedDescription)")
        }
        try self.init(path: (dataDirectory as NSString).appendingPathComponent(Self.fileName))
    }

    /// Named migrations, applied once each, in order; a shipped migration never changes.
    static let migrations: [(name: String, sql: String)] = [
        ("events_v1", """
        CREATE TABLE alerts(
            id              TEXT PRIMARY KEY,
            detector_id     TEXT NOT NULL,
            detector_type   TEXT NOT NULL,
            device          TEXT NOT NULL,
            severity        TEXT NOT NULL,
            state           TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
            message         TEXT NOT NULL,
            value           REAL,
            fired_at        INTEGER NOT NULL,
            updated_at      INTEGER NOT NULL,
            fire_count      INTEGER NOT NULL,
            acknowledged_at INTEGER,
            acknowledged_by TEXT,
            resolved_at     INTEGER,
            resolve_message TEXT
        );
        CREATE UNIQUE INDEX alerts_one_open ON alerts(detector_id, device) WHERE state <> 'resolved';
        CREATE INDEX alerts_fired_at ON alerts(fired_at);
        CREATE INDEX alerts_device_fired_at ON alerts(device, fired_at);
        CREATE TABLE alert_deliveries(
            idempotency_key TEXT NOT NULL,
            hook_id         TEXT NOT NULL,
            alert_id        TEXT NOT NULL REFERENCES alerts(id),
            transition      TEXT NOT NULL,
            body            TEXT NOT NULL,
            state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error      TEXT,
            created_at      INTEGER NOT NULL,
            delivered_at    INTEGER,
            PRIMARY KEY (idempotency_key, hook_id)
        );
        CREATE INDEX alert_deliveries_due ON alert_deliveries(next_attempt_at) WHERE state = 'pending';
        CREATE VIEW events AS
            SELECT fired_at AS time, device, detector_id AS detector, detector_type AS type, severity, state,
                   message, value, id AS alert_id, fired_at, updated_at, acknowledged_at, acknowledged_by,
                   resolved_at, resolve_message, fire_count
            FROM alerts;
        """),
        ("events_v2_detectors", """
        CREATE TABLE detectors(
            id         TEXT PRIMARY KEY,
            definition TEXT NOT NULL,   -- the DetectorDefinition as JSON
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        """),
        ("events_v3_rule_webhooks", """
        CREATE TABLE rule_deliveries(
            idempotency_key TEXT PRIMARY KEY,
            rule            TEXT NOT NULL,
            method          TEXT NOT NULL,
            url             TEXT NOT NULL,
            headers         TEXT NOT NULL,   -- JSON [[name, value], ...]
            body            BLOB NOT NULL,
            state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error      TEXT,
            created_at      INTEGER NOT NULL,
            delivered_at    INTEGER
        );
        CREATE INDEX rule_deliveries_due ON rule_deliveries(next_attempt_at) WHERE state = 'pending';
        """),
        ("events_v4_detector_state", """
        CREATE TABLE detector_state(
            detector_id    TEXT PRIMARY KEY,
            format_version INTEGER NOT NULL,
            saved_at       INTEGER NOT NULL,
            state          BLOB NOT NULL      -- a DetectorStateRecord as JSON (docs/events.md)
        );
        """),
    ]

    static func migrate(_ db: Connection) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations(name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
        let applied = Set(try db.prepare("SELECT name FROM schema_migrations").rows().compactMap { row -> String? in
            if case let .text(s)? = row.first { return s }
            return nil
        })
        for m in migrations where !applied.contains(m.name) {
            try db.transaction {
                try db.execute(m.sql)
                try db.prepare("INSERT INTO schema_migrations(name, applied_at) VALUES (?, strftime('%s','now') * 1000)").run([.text(m.name)])
            }
        }
    }

    // MARK: Alerts

    /// Persists transitions and, for those that notify hooks, one pending delivery per hook, all in
    /// one transaction. Enqueuing a delivery that already exists (same idempotency key and hook)
    /// is a no-op, so replaying the same input after a crash never sends twice.
    /// - Parameters:
    ///   - hookIDs: the configured hooks that should hear about these transitions.
    ///   - now: the wall-clock time (epoch ms) the deliveries become due.
    /// - Returns: how many deliveries were newly enqueued.
    @discardableResult
    public func record(_ transitions: [AlertTransition], hookIDs: [String], now: Int64) throws(AlertStoreError) -> Int {
        guard !transitions.isEmpty else { return 0 }
        do {
            return try db.transaction {
                var enqueued = 0
                for t in transitions {
                    try saveAlert(t.alert)
                    guard t.transition.notifiesHooks else { continue }
                    let body = String(decoding: try encoder.encode(t), as: UTF8.self)
                    for hook in hookIDs {
                        let entry = OutboxEntry(idempotencyKey: t.idempotencyKey, hookID: hook, alertID: t.alert.id,
                                                transition: t.transition, body: body, nextAttemptAt: now, createdAt: now)
                        if try insert(entry) { enqueued += 1 }
                    }
                }
                return enqueued
            }
        } catch let e as AlertStoreError {
            throw e
        } catch {
            throw .database("\(error)")
        }
    }

    private func saveAlert(_ a: Alert) throws(SQLiteError) {
        try upsertAlert.run([
            .text(a.id), .text(a.detectorID), .text(a.detectorType), .text(a.device), .text(a.severity.rawValue),
            .text(a.state.rawValue), .text(a.message), a.value.map(Value.real) ?? .null, .integer(a.firedAt),
            .integer(a.updatedAt), .integer(Int64(a.fireCount)), a.acknowledgedAt.map(Value.integer) ?? .null,
            a.acknowledgedBy.map(Value.text) ?? .null, a.resolvedAt.map(Value.integer) ?? .null,
            a.resolveMessage.map(Value.text) ?? .null,
        ])
    }

    static let alertColumns = """
        id, detector_id, detector_type, device, severity, state, message, value, fired_at, updated_at, fire_count,
        acknowledged_at, acknowledged_by, resolved_at, resolve_message
        """

    /// The alerts that are firing or acknowledged (to rebuild an `AlertBook` after a restart).
    public func openAlerts() throws(AlertStoreError) -> [Alert] {
        try queryAlerts("SELECT \(Self.alertColumns) FROM alerts WHERE state <> 'resolved' ORDER BY fired_at, id", [])
    }

    /// Alerts, newest first.
    public func alerts(openOnly: Bool = false, limit: Int = 1000) throws(AlertStoreError) -> [Alert] {
        let filter = openOnly ? "WHERE state <> 'resolved'" : ""
        return try queryAlerts("SELECT \(Self.alertColumns) FROM alerts \(filter) ORDER BY fired_at DESC, id DESC LIMIT ?",
                               [.integer(Int64(max(limit, 0)))])
    }

    /// One alert by id.
    public func alert(id: String) throws(AlertStoreError) -> Alert? {
        try queryAlerts("SELECT \(Self.alertColumns) FROM alerts WHERE id = ?", [.text(id)]).first
    }

    func queryAlerts(_ sql: String, _ args: [Value]) throws(AlertStoreError) -> [Alert] {
        let rows: [[Value]]
        do { rows = try db.prepare(sql).rows(args) } catch { throw .database("\(error)") }
        var out: [Alert] = []
        for r in rows {
            guard r.count == 15, case let .text(id) = r[0], case let .text(det) = r[1], case let .text(type) = r[2],
                  case let .text(device) = r[3], case let .text(sev) = r[4], let severity = Severity(rawValue: sev),
                  case let .text(st) = r[5], let state = AlertState(rawValue: st), case let .text(message) = r[6],
                  case let .integer(firedAt) = r[8], case let .integer(updatedAt) = r[9], case let .integer(count) = r[10]
            else { throw .corruptRow(table: "alerts", reason: "unexpected column types or values") }
            out.append(Alert(id: id, detectorID: det, detectorType: type, device: device, severity: severity, state: state,
                             message: message, value: Self.double(r[7]), firedAt: firedAt, updatedAt: updatedAt,
                             fireCount: Int(clamping: count), acknowledgedAt: Self.int(r[11]), acknowledgedBy: Self.text(r[12]),
                             resolvedAt: Self.int(r[13]), resolveMessage: Self.text(r[14])))
        }
        return out
    }

    // MARK: Detector definitions

    /// Creates or replaces a detector definition (validated first).
    /// - Throws: `AlertStoreError.invalidDefinition` when it does not validate.
    public func saveDetector(_ definition: DetectorDefinition, now: Int64) throws(AlertStoreError) {
        do { try definition.validate() } catch { throw .invalidDefinition("\(error)") }
        let json: String
        do { json = String(decoding: try encoder.encode(definition), as: UTF8.self) } catch { throw .invalidDefinition("\(error)") }
        do {
            try db.prepare("""
                INSERT INTO detectors(id, definition, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
                ON CONFLICT(id) DO UPDATE SET definition = ?2, updated_at = ?3
                """).run([.text(definition.id), .text(json), .integer(now)])
        } catch {
            throw .database("\(error)")
        }
    }

    /// Deletes a detector definition; returns whether it existed. Its alerts stay.
    @discardableResult
    public func deleteDetector(id: String) throws(AlertStoreError) -> Bool {
        do {
            try db.prepare("DELETE FROM detectors WHERE id = ?").run([.text(id)])
            return db.changes > 0
        } catch {
            throw .database("\(error)")
        }
    }

    /// Every stored detector definition, by id.
    public func detectors() throws(AlertStoreError) -> [DetectorDefinition] {
        let rows: [[Value]]
        do { rows = try db.prepare("SELECT id, definition FROM detectors ORDER BY id").rows() } catch { throw .database("\(error)") }
        var out: [DetectorDefinition] = []
        for r in rows {
            guard r.count == 2, case let .text(id) = r[0], case let .text(json) = r[1],
                  let d = try? JSONDecoder().decode(DetectorDefinition.self, from: Data(json.utf8)) else {
                throw .corruptRow(table: "detectors", reason: "definition does not decode")
            }
            guard d.id == id else { throw .corruptRow(table: "detectors", reason: "id \(id) holds definition \(d.id)") }
            out.append(d)
        }
        return out
    }

    // MARK: Outbox

    /// Inserts an entry unless one with the same key and hook exists. Returns whether it was new.
    @discardableResult
    public func enqueue(_ e: OutboxEntry) throws(AlertStoreError) -> Bool {
        do { return try insert(e) } catch { throw .database("\(error)") }
    }

    private func insert(_ e: OutboxEntry) throws(SQLiteError) -> Bool {
        try insertDelivery.run([
            .text(e.idempotencyKey), .text(e.hookID), .text(e.alertID), .text(e.transition.rawValue), .text(e.body),
            .text(e.state.rawValue), .integer(Int64(e.attempts)), .integer(e.nextAttemptAt),
            e.lastError.map(Value.text) ?? .null, .integer(e.createdAt), e.deliveredAt.map(Value.integer) ?? .null,
        ])
        return db.changes > 0
    }

    /// Saves the states of several entries after a batch of attempts, in one transaction.
    public func update(_ entries: [OutboxEntry]) throws(AlertStoreError) {
        guard !entries.isEmpty else { return }
        do {
            try db.transaction {
                for e in entries { try update(e) }
            }
        } catch let e as AlertStoreError {
            throw e
        } catch {
            throw .database("\(error)")
        }
    }

    /// Saves an entry's state after an attempt.
    public func update(_ e: OutboxEntry) throws(AlertStoreError) {
        do {
            try updateDelivery.run([
                .text(e.idempotencyKey), .text(e.hookID), .text(e.state.rawValue), .integer(Int64(e.attempts)),
                .integer(e.nextAttemptAt), e.lastError.map(Value.text) ?? .null, e.deliveredAt.map(Value.integer) ?? .null,
            ])
        } catch {
            throw .database("\(error)")
        }
    }

    private static let deliveryColumns = """
        d.idempotency_key, d.hook_id, d.alert_id, d.transition, d.body, d.state, d.attempts, d.next_attempt_at,
        d.last_error, d.created_at, d.delivered_at
        """

    /// Pending entries due at `now` for the given hooks, oldest first. An entry waits while an older
    /// pending entry of the same alert and hook exists, so a receiver never hears `resolved` before
    /// `fired` even when `fired` is being retried.
    public func dueDeliveries(at now: Int64, hookIDs: [String], limit: Int = 100) throws(AlertStoreError) -> [OutboxEntry] {
        guard !hookIDs.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: hookIDs.count).joined(separator: ", ")
        let sql = """
            SELECT \(Self.deliveryColumns) FROM alert_deliveries d
            WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND d.hook_id IN (\(placeholders))
              AND NOT EXISTS (SELECT 1 FROM alert_deliveries o WHERE o.state = 'pending' AND o.hook_id = d.hook_id
                              AND o.alert_id = d.alert_id AND o.rowid < d.rowid)
            ORDER BY d.rowid LIMIT ?
            """
        return try queryDeliveries(sql, [.integer(now)] + hookIDs.map(Value.text) + [.integer(Int64(max(limit, 0)))])
    }

    /// The earliest time a pending entry for the given hooks can be attempted (entries held back
    /// behind an older pending entry of their alert do not count), or nil when none is pending.
    public func nextPendingTime(hookIDs: [String]) throws(AlertStoreError) -> Int64? {
        guard !hookIDs.isEmpty else { return nil }
        let placeholders = Array(repeating: "?", count: hookIDs.count).joined(separator: ", ")
        do {
            let rows = try db.prepare("""
                SELECT min(d.next_attempt_at) FROM alert_deliveries d
                WHERE d.state = 'pending' AND d.hook_id IN (\(placeholders))
                  AND NOT EXISTS (SELECT 1 FROM alert_deliveries o WHERE o.state = 'pending' AND o.hook_id = d.hook_id
                                  AND o.alert_id = d.alert_id AND o.rowid < d.rowid)
                """)
                .rows(hookIDs.map(Value.text))
            return rows.first.flatMap { $0.first }.flatMap(Self.int)
        } catch {
            throw .database("\(error)")
        }
    }

    /// Every outbox entry (for `lorikeet events outbox` and tests), oldest first.
    public func deliveries(alertID: String? = nil) throws(AlertStoreError) -> [OutboxEntry] {
        if let alertID {
            return try queryDeliveries("SELECT \(Self.deliveryColumns) FROM alert_deliveries d WHERE d.alert_id = ? ORDER BY d.rowid", [.text(alertID)])
        }
        return try queryDeliveries("SELECT \(Self.deliveryColumns) FROM alert_deliveries d ORDER BY d.rowid", [])
    }

    /// Counts of outbox entries by state.
    public func deliveryCounts() throws(AlertStoreError) -> [DeliveryState: Int] {
        do {
            var out: [DeliveryState: Int] = [:]
            for r in try db.prepare("SELECT state, count(*) FROM alert_deliveries GROUP BY state").rows() {
                if r.count == 2, case let .text(s) = r[0], let state = DeliveryState(rawValue: s), case let .integer(n) = r[1] {
                    out[state] = Int(clamping: n)
                }
            }
            return out
        } catch {
            throw .database("\(error)")
        }
    }

    private func queryDeliveries(_ sql: String, _ args: [Value]) throws(AlertStoreError) -> [OutboxEntry] {
        let rows: [[Value]]
        do { rows = try db.prepare(sql).rows(args) } catch { throw .database("\(error)") }
        var out: [OutboxEntry] = []
        for r in rows {
            guard r.count == 11, case let .text(key) = r[0], case let .text(hook) = r[1], case let .text(alert) = r[2],
                  case let .text(tr) = r[3], let transition = AlertTransitionKind(rawValue: tr), case let .text(body) = r[4],
                  case let .text(st) = r[5], let state = DeliveryState(rawValue: st), case let .integer(attempts) = r[6],
                  case let .integer(next) = r[7], case let .integer(created) = r[9]
            else { throw .corruptRow(table: "alert_deliveries", reason: "unexpected column types or values") }
            out.append(OutboxEntry(idempotencyKey: key, hookID: hook, alertID: alert, transition: transition, body: body,
                                   state: state, attempts: Int(clamping: attempts), nextAttemptAt: next,
                                   lastError: Self.text(r[8]), createdAt: created, deliveredAt: Self.int(r[10])))
        }
        return out
    }

    static func int(_ v: Value) -> Int64? { if case let .integer(i) = v { return i }; return nil }
    static func text(_ v: Value) -> String? { if case let .text(s) = v { return s }; return nil }
    private static func double(_ v: Value) -> Double? {
        switch v {
        case let .real(d): d
        case let .integer(i): Double(i)
        default: nil
        }
    }
}
