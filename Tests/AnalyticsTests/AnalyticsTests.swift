import Foundation
import SQLite
import Testing
@testable import Analytics
import TelemetryStore
import TimeSeries

struct Seeded: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let t0: Int64 = 1_767_225_600_000 // 2026-01-01T00:00:00Z
let now: Int64 = t0 + 10 * 86_400_000

/// 4 devices × 2 metrics × 10 days at irregular 5–15 minute intervals (seeded random walk at 0.1),
/// compacted, then some late, duplicate and fresh points left in the hot table.
func makeFixture() throws -> String {
    let dir = NSTemporaryDirectory() + "lorikeet-analytics-\(UUID().uuidString)"
    let store = try TelemetryStore(dataDirectory: dir)
    var rng = Seeded(state: 42)
    var points: [TelemetryPoint] = []
    for d in 0..<4 {
        for metric in ["temperature", "humidity"] {
            var t = t0
            var n: Int64 = metric == "temperature" ? 215 : 450
            while t < now {
                points.append(TelemetryPoint(device: "dev-\(d)", metric: metric, time: t, value: Double(n) / 10))
                t += Int64.random(in: 300_000...900_000, using: &rng)
                n += Int64.random(in: -3...3, using: &rng)
            }
        }
    }
    try store.write(points)
    try store.compact()
    try store.write([TelemetryPoint(device: "dev-1", metric: "temperature", time: t0 + 3 * 86_400_000 + 1234, value: 99.9),
                     TelemetryPoint(device: "dev-2", metric: "humidity", time: points[5000].time, value: 1.5),
                     TelemetryPoint(device: "dev-3", metric: "temperature", time: now + 60_000, value: 20.0)])
    return dir
}

func approximatelyEqual(_ a: QueryResult, _ b: QueryResult) -> Bool {
    guard a.columns == b.columns, a.rows.count == b.rows.count else { return false }
    for (ra, rb) in zip(a.rows, b.rows) {
        for (x, y) in zip(ra, rb) {
            switch (x, y) {
            case let (.real(p), .real(q)): if abs(p - q) > 1e-9 * max(1, abs(p)) { return false }
            default: if x != y { return false }
            }
        }
    }
    return true
}

@Suite struct AnalyticsTests {
    static let fixture: String = (try? makeFixture()) ?? ""

    static let nativeQueries = [
        "SELECT time_bucket('1 hour', time) AS bucket, avg(value), min(value), max(value), count(*) FROM telemetry WHERE device = 'dev-1' AND metric = 'temperature' AND time >= '2026-01-02T00:00:00Z' AND time < '2026-01-05T00:00:00Z' GROUP BY bucket ORDER BY bucket",
        "SELECT time_bucket('1 day', time) AS day, device, max(value) FROM telemetry WHERE metric = 'humidity' GROUP BY day, device ORDER BY day, device",
        "SELECT device, metric, last(value, time), first(value, time), count(value) FROM telemetry GROUP BY device, metric ORDER BY device, metric",
        "SELECT device, count(*) FROM telemetry WHERE metric = 'temperature' AND time BETWEEN now() - interval '7 days' AND now() GROUP BY device",
        "SELECT count(*), avg(value), sum(value) FROM telemetry WHERE metric IN ('temperature', 'humidity') AND device IN ('dev-0', 'dev-2')",
        "SELECT time_bucket('6 hours', time), metric, sum(value) FROM telemetry WHERE time > 1767300000000 AND time <= 1767500000000 GROUP BY 1, 2 ORDER BY 1 DESC, 2",
        "SELECT count(*), max(value) FROM telemetry WHERE device = 'nobody'",
        "SELECT device, count(*) FROM telemetry WHERE metric = 'temperature' AND value > 22.5 GROUP BY device ORDER BY device",
        "SELECT time_bucket('1 day', time) AS d, count(*), min(value) FROM telemetry WHERE value >= 40 AND value < 50 AND metric = 'humidity' GROUP BY d",
        "SELECT count(*) FROM telemetry WHERE value = 99.9",
        "SELECT metric, count(*), avg(value) FROM telemetry WHERE value <= -1.5 OR 1 GROUP BY metric",
        "SELECT time_bucket('1 day', time) AS b, count(*) FROM telemetry WHERE metric = 'nothing' GROUP BY b",
    ]

    @Test(arguments: nativeQueries)
    func nativeAndVirtualTableGiveTheSameAnswers(sql: String) throws {
        let engine = try AnalyticsEngine(dataDirectory: Self.fixture)
        let native = try engine.query(sql, now: now)
        let sqlite = try engine.query(sql, now: now, allowNative: false)
        // A shape the matcher does not know (OR) falls back to SQLite, with the same answer.
        #expect(native.path == (sql.contains(" OR ") ? "sqlite" : "native"))
        #expect(sqlite.path == "sqlite")
        #expect(!sqlite.rows.isEmpty || sql.contains("'nothing'"))
        #expect(approximatelyEqual(native, sqlite), "native \(native.rows.prefix(3)) vs sqlite \(sqlite.rows.prefix(3))")
    }

    @Test func dailyBucketsAreAnsweredFromStatistics() throws {
        let db = try Connection(path: TelemetryStore.databasePath(dataDirectory: Self.fixture), readOnly: true)
        let plan = try #require(NativePlan.match("SELECT time_bucket('1 day', time) AS d, device, max(value) FROM telemetry GROUP BY d, device", now: now))
        var agg = NativeAggregator(reader: TelemetryReader(connection: db))
        _ = try agg.run(plan)
        #expect(agg.statisticsChunks > 60)
        // Only the chunks that hot rows overlap (two late points) are decoded.
        #expect(agg.decodedChunks <= 2)
    }

    @Test func pushdownAndTimeLiterals() throws {
        let engine = try AnalyticsEngine(dataDirectory: Self.fixture)
        let r = try engine.query("SELECT time, value FROM telemetry WHERE device = 'dev-1' AND metric = 'temperature' AND time = '2026-01-04T00:00:01.234Z'", now: now)
        #expect(r.rows == [[.integer(t0 + 3 * 86_400_000 + 1234), .real(99.9)]])
        #expect(r.render(.csv) == "time,value\n2026-01-04T00:00:01.234Z,99.9\n")
        #expect(r.render(.json) == "[{\"time\":\"2026-01-04T00:00:01.234Z\",\"value\":99.9}]\n")
        // Text RFC 3339 on the right of a pushed-down comparison also works without rewriting.
        let n = try engine.query("SELECT count(*) FROM telemetry WHERE time >= '2026-01-11T00:00:00Z'||'' AND device = 'dev-3'", now: now)
        #expect(n.rows == [[.integer(1)]])
        // A join with a subquery, and device IN (...): pushed-down IN.
        let j = try engine.query("""
            SELECT t.device, count(*) FROM telemetry t JOIN (SELECT 'dev-0' AS d UNION SELECT 'dev-3') s ON t.device = s.d
            WHERE t.metric = 'humidity' GROUP BY t.device ORDER BY t.device
            """, now: now)
        #expect(j.rows.count == 2)
    }

    @Test func firstAndLastFollowTime() throws {
        let engine = try AnalyticsEngine(dataDirectory: Self.fixture)
        let r = try engine.query("SELECT first(v, t), last(v, t) FROM (SELECT 3 AS v, 30 AS t UNION ALL SELECT 1, 10 UNION ALL SELECT 2, 20 UNION ALL SELECT 5, NULL)", now: now)
        #expect(r.rows == [[.integer(1), .integer(3)]])
        let b = try engine.query("SELECT time_bucket('15 minutes', '2026-01-01T10:31:00Z'), rfc3339(now())", now: now)
        #expect(b.rows == [[.integer(t0 + 10 * 3_600_000 + 30 * 60_000), .text("2026-01-11T00:00:00.000Z")]])
    }

    @Test(arguments: [
        ("SELECT count(*) FROM telemetry WHER device = 'x'", 1, 37),
        ("SELECT\n  nope(value)\nFROM telemetry", nil, nil),
        ("SELECT * FROM telemetry WHERE time > now() - interval '7 fortnights'", 1, 55),
        ("SELECT 'unterminated", 1, 8),
    ] as [(String, Int?, Int?)])
    func errorsSayWhereAndWhat(sql: String, line: Int?, column: Int?) throws {
        let engine = try AnalyticsEngine(dataDirectory: Self.fixture)
        do {
            _ = try engine.query(sql, now: now)
            Issue.record("expected an error")
        } catch let AnalyticsError.sql(message, l, c, _) {
            #expect(!message.isEmpty)
            if let line { #expect(l == line); #expect(c == column) }
        }
    }

    @Test func writesAreRefused() throws {
        let engine = try AnalyticsEngine(dataDirectory: Self.fixture)
        #expect(throws: AnalyticsError.self) { try engine.query("DELETE FROM hot", now: now) }
        #expect(throws: AnalyticsError.self) { try engine.query("SELECT 1; SELECT 2", now: now) }
    }

    @Test func registryTablesAreReadableByTheirNames() throws {
        let dir = NSTemporaryDirectory() + "lorikeet-analytics-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reg = try Connection(path: dir + "/registry.sqlite")
        try reg.execute("CREATE TABLE devices(dev_eui TEXT, name TEXT); INSERT INTO devices VALUES ('0102030405060708', 'hall');")
        let engine = try AnalyticsEngine(dataDirectory: dir)
        #expect(engine.registryAttached)
        #expect(try engine.query("SELECT name FROM devices", now: now).rows == [[.text("hall")]])
        #expect(throws: AnalyticsError.self) { try engine.query("INSERT INTO devices VALUES ('x', 'y')", now: now) }
    }

    @Test func rewriterKeepsOffsetsMappable() throws {
        let r = try QueryRewriter.rewrite("SELECT * FROM t WHERE a > '2026-01-01' AND b < interval '1 hour' AND c = 'x'")
        #expect(r.sql == "SELECT * FROM t WHERE a > (1767225600000) AND b < (3600000) AND c = 'x'")
        let offsetOfC = Array(r.sql.utf8).firstIndex(of: UInt8(ascii: "c"))!
        #expect(r.originalOffset(offsetOfC) == 69)
    }
}
