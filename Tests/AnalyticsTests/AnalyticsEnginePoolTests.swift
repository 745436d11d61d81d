import Foundation
import SQLite
import Testing
@testable import Analytics
import TelemetryStore

@Suite struct AnalyticsEnginePoolTests {
    func emptyDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "lorikeet-pool-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func count(_ pool: AnalyticsEnginePool, _ sql: String = "SELECT count(*) FROM telemetry") async throws -> [[Value]] {
        try await pool.withEngine { try $0.query(sql, now: now).rows }
    }

    @Test func enginesAreReusedAcrossQueries() async throws {
        let pool = AnalyticsEnginePool(dataDirectory: AnalyticsTests.fixture, size: 3)
        #expect(pool.enginesOpened == 0)
        let first = try await count(pool)
        for _ in 0..<20 { #expect(try await count(pool) == first) }
        #expect(pool.enginesOpened == 1)
        #expect(pool.enginesOpen == 1)
        // A SQL error leaves the engine usable; it goes back to the pool.
        await #expect(throws: AnalyticsError.self) { _ = try await count(pool, "SELECT nope FROM telemetry") }
        #expect(try await count(pool) == first)
        #expect(pool.enginesOpened == 1)
    }

    @Test func concurrentQueriesShareAtMostSizeEngines() async throws {
        let pool = AnalyticsEnginePool(dataDirectory: AnalyticsTests.fixture, size: 2)
        let expected = try await count(pool, "SELECT device, count(*) FROM telemetry GROUP BY device ORDER BY device")
        let results = try await withThrowingTaskGroup(of: [[Value]].self) { group in
            for _ in 0..<24 {
                group.addTask { try await count(pool, "SELECT device, count(*) FROM telemetry GROUP BY device ORDER BY device") }
            }
            var all: [[[Value]]] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 24)
        #expect(results.allSatisfy { $0 == expected })
        #expect(pool.enginesOpened <= 2)
        #expect(pool.enginesOpen <= 2)
    }

    @Test func statementsThatWouldChangeTheConnectionAreRefused() async throws {
        let pool = AnalyticsEnginePool(dataDirectory: AnalyticsTests.fixture, size: 1)
        for sql in ["BEGIN", "ATTACH DATABASE ':memory:' AS other", "DETACH DATABASE registry", "PRAGMA case_sensitive_like = 1",
                    "PRAGMA cache_size = 10", "SAVEPOINT a"] {
            await #expect(throws: AnalyticsError.self, "\(sql)") { _ = try await count(pool, sql) }
            do { _ = try await count(pool, sql) } catch let AnalyticsError.sql(message, _, _, _) {
                #expect(message.contains("not allowed") || message.contains("may read pragmas"), "\(sql): \(message)")
            }
        }
        // Reporting pragmas are reads.
        let columns = try await count(pool, "PRAGMA table_info(hot)")
        #expect(!columns.isEmpty)
        #expect(try await count(pool, "PRAGMA user_version").count == 1)
        // Still one engine, and it is outside any transaction.
        #expect(pool.enginesOpened == 1)
        try await pool.withEngine { #expect($0.isIdle) }
    }

    @Test func aRegistryCreatedLaterIsAttachedByAFreshEngine() async throws {
        let dir = try emptyDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pool = AnalyticsEnginePool(dataDirectory: dir, size: 2)
        #expect(try await count(pool) == [[.integer(0)]])
        await #expect(throws: AnalyticsError.self) { _ = try await count(pool, "SELECT name FROM devices") }
        let reg = try Connection(path: dir + "/registry.sqlite")
        try reg.execute("CREATE TABLE devices(dev_eui TEXT, name TEXT); INSERT INTO devices VALUES ('0102030405060708', 'hall');")
        #expect(try await count(pool, "SELECT name FROM devices") == [[.text("hall")]])
        #expect(pool.enginesOpened == 2)
        #expect(pool.enginesOpen == 1)
    }

    @Test func aReplacedStoreIsReopened() async throws {
        let dir = try emptyDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pool = AnalyticsEnginePool(dataDirectory: dir, size: 1)
        #expect(try await count(pool) == [[.integer(0)]])
        // Restore another store over it (a new file at the same path).
        let other = try emptyDirectory()
        defer { try? FileManager.default.removeItem(atPath: other) }
        do {
            let store = try TelemetryStore(dataDirectory: other)
            try store.write([TelemetryPoint(device: "d", metric: "m", time: t0, value: 1)])
        }
        let path = TelemetryStore.databasePath(dataDirectory: dir)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: TelemetryStore.databasePath(dataDirectory: other), toPath: path)
        for suffix in ["-wal", "-shm"] {
            try? FileManager.default.copyItem(atPath: TelemetryStore.databasePath(dataDirectory: other) + suffix, toPath: path + suffix)
        }
        #expect(try await count(pool) == [[.integer(1)]])
        #expect(pool.enginesOpened == 2)
    }

    @Test func authorizerDecisions() {
        #expect(QueryAuthorizer.refusal(action: 24 /* SQLITE_ATTACH */, arg1: "x", arg2: nil) != nil)
        #expect(QueryAuthorizer.refusal(action: 19 /* SQLITE_PRAGMA */, arg1: "table_info", arg2: "hot") == nil)
        #expect(QueryAuthorizer.refusal(action: 19, arg1: "user_version", arg2: nil) == nil)
        #expect(QueryAuthorizer.refusal(action: 19, arg1: "user_version", arg2: "3") != nil)
        #expect(QueryAuthorizer.refusal(action: 21 /* SQLITE_SELECT */, arg1: nil, arg2: nil) == nil)
    }
}
