public import Events
import Foundation
import SQLite

/// The rule-webhook outbox (`rule_deliveries`) and filtered, paged alert queries for the HTTP API.
extension AlertStore {
    // MARK: Rule webhooks

    /// Inserts a rule webhook delivery unless one with the same key exists. Returns whether it was new.
    @discardableResult
    public func enqueue(_ d: RuleDelivery) throws(AlertStoreError) -> Bool {
        let headers: String
        do { headers = String(decoding: try JSONEncoder().encode(d.headers), as: UTF8.self) } catch { throw .database("\(error)") }
        do {
            try db.prepare("""
                INSERT OR IGNORE INTO rule_deliveries(idempotency_key, rule, method, url, headers, body, state, attempts,
                                                      next_attempt_at, last_error, created_at, delivered_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([
                    .text(d.idempotencyKey), .text(d.rule), .text(d.method), .text(d.url), .text(headers), .blob(d.body),
                    .text(d.state.rawValue), .integer(Int64(d.attempts)), .integer(d.nextAttemptAt),
                    d.lastError.map(Value.text) ?? .null, .integer(d.createdAt), d.deliveredAt.map(Value.integer) ?? .null,
                ])
            return db.changes > 0
        } catch {
            throw .database("\(error)")
        }
    }

    /// Saves the states of rule deliveries after a batch of attempts, in one transaction.
    public func update(_ deliveries: [RuleDelivery]) throws(AlertStoreError) {
        guard !deliveries.isEmpty else { return }
        do {
            let statement = try db.prepare("""
                UPDATE rule_deliveries SET state = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5, delivered_at = ?6
                WHERE idempotency_key = ?1
                """)
            try db.transaction {
                for d in deliveries {
                    try statement.run([.text(d.idempotencyKey), .text(d.state.rawValue), .integer(Int64(d.attempts)),
                                       .integer(d.nextAttemptAt), d.lastError.map(Value.text) ?? .null,
                                       d.deliveredAt.map(Value.integer) ?? .null])
                }
            }
        } catch {
            throw .database("\(error)")
        }
    }

    /// Commits one tick of rule-webhook work in one transaction: the new deliveries (inserted
    /// unless their key exists) and the outcomes of finished attempts. Either all of it is durable
    /// or none of it (the caller keeps the batch and tries again).
    public func commitRuleWebhooks(new deliveries: [RuleDelivery], outcomes: [RuleDelivery]) throws(AlertStoreError) {
        guard !deliveries.isEmpty || !outcomes.isEmpty else { return }
        do {
            let insert = try db.prepare("""
                INSERT OR IGNORE INTO rule_deliveries(idempotency_key, rule, method, url, headers, body, state, attempts,
                                                      next_attempt_at, last_error, created_at, delivered_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let update = try db.prepare("""
                UPDATE rule_deliveries SET state = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5, delivered_at = ?6
                WHERE idempotency_key = ?1
                """)
            let encoder = JSONEncoder()
            try db.transaction {
                for d in deliveries {
                    let headers = d.headers.isEmpty ? "[]" : String(decoding: try encoder.encode(d.headers), as: UTF8.self)
                    try insert.run([
                        .text(d.idempotencyKey), .text(d.rule), .text(d.method), .text(d.url), .text(headers), .blob(d.body),
                        .text(d.state.rawValue), .integer(Int64(d.attempts)), .integer(d.nextAttemptAt),
                        d.lastError.map(Value.text) ?? .null, .integer(d.createdAt), d.deliveredAt.map(Value.integer) ?? .null,
                    ])
                }
                for d in outcomes {
                    try update.run([.text(d.idempotencyKey), .text(d.state.rawValue), .integer(Int64(d.attempts)),
                                    .integer(d.nextAttemptAt), d.lastError.map(Value.text) ?? .null,
                                    d.deliveredAt.map(Value.integer) ?? .null])
                }
            }
        } catch {
            throw .database("\(error)")
        }
    }

    /// Whether any rule delivery is pending.
    public func hasPendingRuleDeliveries() throws(AlertStoreError) -> Bool {
        do {
            return !(try db.prepare("SELECT 1 FROM rule_deliveries WHERE state = 'pending' LIMIT 1").rows().isEmpty)
        } catch {
            throw .database("\(error)")
        }
    }

    private static let ruleDeliveryColumns = """
        idempotency_key, rule, method, url, headers, body, state, attempts, next_attempt_at, last_error, created_at, delivered_at
        """

    /// Pending rule deliveries due at `now`, oldest first.
    public func dueRuleDeliveries(at now: Int64, limit: Int = 100) throws(AlertStoreError) -> [RuleDelivery] {
        try queryRuleDeliveries("""
            SELECT \(Self.ruleDeliveryColumns) FROM rule_deliveries
            WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY rowid LIMIT ?
            """, [.integer(now), .integer(Int64(max(limit, 0)))])
    }

    /// The earliest time a pending rule delivery can be attempted, or nil when none is pending.
    public func nextRuleDeliveryTime() throws(AlertStoreError) -> Int64? {
        do {
            let rows = try db.prepare("SELECT min(next_attempt_at) FROM rule_deliveries WHERE state = 'pending'").rows()
            return rows.first.flatMap { $0.first }.flatMap(Self.int)
        } catch {
            throw .database("\(error)")
        }
    }

    /// Deletes finished (delivered or failed) rule deliveries created before `time`; returns how many.
    @discardableResult
    public func pruneRuleDeliveries(createdBefore time: Int64) throws(AlertStoreError) -> Int {
        do {
            try db.prepare("DELETE FROM rule_deliveries WHERE state <> 'pending' AND created_at < ?").run([.integer(time)])
            return db.changes
        } catch {
            throw .database("\(error)")
        }
    }

    /// Makes every pending rule delivery due at `now` (at start-up: attempts leased by a process
    /// that died, and backoffs, restart at once).
    public func releaseRuleDeliveryLeases(now: Int64) throws(AlertStoreError) {
        do { try db.prepare("UPDATE rule_deliveries SET next_attempt_at = ?1 WHERE state = 'pending' AND next_attempt_at > ?1").run([.integer(now)]) } catch {
            throw .database("\(error)")
        }
    }

    /// Every rule delivery (tests, diagnostics), oldest first.
    public func ruleDeliveries() throws(AlertStoreError) -> [RuleDelivery] {
        try queryRuleDeliveries("SELECT \(Self.ruleDeliveryColumns) FROM rule_deliveries ORDER BY rowid", [])
    }

    private func queryRuleDeliveries(_ sql: String, _ args: [Value]) throws(AlertStoreError) -> [RuleDelivery] {
        let rows: [[Value]]
        do { rows = try db.prepare(sql).rows(args) } catch { throw .database("\(error)") }
        var out: [RuleDelivery] = []
        for r in rows {
            guard r.count == 12, case let .text(key) = r[0], case let .text(rule) = r[1], case let .text(method) = r[2],
                  case let .text(url) = r[3], case let .text(headerText) = r[4],
                  let headers = try? JSONDecoder().decode([[String]].self, from: Data(headerText.utf8)),
                  case let .text(st) = r[6], let state = DeliveryState(rawValue: st), case let .integer(attempts) = r[7],
                  case let .integer(next) = r[8], case let .integer(created) = r[10]
            else { throw .corruptRow(table: "rule_deliveries", reason: "unexpected column types or values") }
            let body: [UInt8]
            switch r[5] {
            case let .blob(b): body = b
            case let .text(t): body = Array(t.utf8)
            default: body = []
            }
            out.append(RuleDelivery(idempotencyKey: key, rule: rule, method: method, url: url, headers: headers, body: body,
                                    state: state, attempts: Int(clamping: attempts), nextAttemptAt: next,
                                    lastError: Self.text(r[9]), createdAt: created, deliveredAt: Self.int(r[11])))
        }
        return out
    }

    // MARK: Alert queries

    /// Alerts matching the filters, newest first, one page, and how many match in all.
    /// - Parameters:
    ///   - state: `firing`, `acknowledged` or `resolved`; nil for all.
    ///   - device: exact device (case-insensitive for hex EUIs); nil for all.
    ///   - detectorID: exact detector id (rule alerts: `rule.<name>`); nil for all.
    public func alerts(state: AlertState?, device: String?, detectorID: String?, limit: Int, offset: Int)
        throws(AlertStoreError) -> (items: [Alert], total: Int) {
        var conditions: [String] = []
        var args: [Value] = []
        if let state { conditions.append("state = ?"); args.append(.text(state.rawValue)) }
        if let device { conditions.append("lower(device) = lower(?)"); args.append(.text(device)) }
        if let detectorID { conditions.append("detector_id = ?"); args.append(.text(detectorID)) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total: Int
        do {
            let rows = try db.prepare("SELECT count(*) FROM alerts \(filter)").rows(args)
            total = rows.first.flatMap { $0.first }.flatMap(Self.int).map { Int(clamping: $0) } ?? 0
        } catch {
            throw .database("\(error)")
        }
        let items = try queryAlerts("SELECT \(Self.alertColumns) FROM alerts \(filter) ORDER BY fired_at DESC, id DESC LIMIT ? OFFSET ?",
                                    args + [.integer(Int64(max(limit, 0))), .integer(Int64(max(offset, 0)))])
        return (items, total)
    }
}
