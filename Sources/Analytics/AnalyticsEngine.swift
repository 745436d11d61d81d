import CSQLite
import Foundation
public import SQLite
public import TelemetryStore
import TimeSeries

/// Answers analysts' SQL over the telemetry store.
///
/// Opens `<data-dir>/telemetry.sqlite` read-only and adds: the eponymous virtual table
/// `telemetry(time, device, metric, value)`, the functions of `SQLFunctions`, and — when
/// `<data-dir>/registry.sqlite` exists — that database ATTACHed read-only as schema `registry`, so
/// its `uplinks`, `devices` and `gateways` tables (and `events`, once a module writes it) are
/// queried by their plain names. Queries of the common time-bucketed aggregate shape run on the
/// native path (`NativeAggregator`), everything else through SQLite.
///
/// Not thread-safe: one task at a time. The server keeps a few in an ``AnalyticsEnginePool`` and
/// reuses them across requests; a ``QueryAuthorizer`` keeps queries from changing the
/// connection (no ATTACH, transactions or pragma settings), so one query cannot affect the next.
public final class AnalyticsEngine {
    let connection: Connection
    let clock = SQLFunctions.Clock()
    let chunkWindowMillis: Int64
    /// Whether the registry database was attached.
    public let registryAttached: Bool
    /// The files this engine opened, to notice a store replaced or a registry created since.
    let files: EngineFiles
    /// Refuses statements that would change the connection (kept alive with it).
    private var authorizer: QueryAuthorizer?

    /// Opens the engine over a data directory, creating an empty store if there is none.
    public init(dataDirectory: String, configuration: TelemetryStoreConfiguration = .init()) throws(AnalyticsError) {
        let path = TelemetryStore.databasePath(dataDirectory: dataDirectory)
        if !FileManager.default.fileExists(atPath: path) {
            // Creating the store runs its migrations, so an empty data directory answers queries.
            do { _ = try TelemetryStore(dataDirectory: dataDirectory, configuration: configuration) } catch { throw .store(error) }
        }
        chunkWindowMillis = configuration.chunkWindowMillis
        do {
            connection = try Connection(path: path, readOnly: true)
        } catch {
            throw .open("cannot open \(path): \(error.message)")
        }
        let registry = (dataDirectory as NSString).appendingPathComponent("registry.sqlite")
        files = EngineFiles(telemetryPath: path, registryPath: registry)
        var attached = false
        if FileManager.default.fileExists(atPath: registry) {
            let uri = "file:" + registry.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)! + "?mode=ro"
            do {
                try connection.prepare("ATTACH DATABASE ? AS registry").run([.text(uri)])
                attached = true
            } catch {
                throw .open("cannot attach \(registry): \(error.message)")
            }
        }
        registryAttached = attached
        let context = TelemetryVirtualTable.Context(connection: connection, chunkWindowMillis: chunkWindowMillis)
        let aux = Unmanaged.passRetained(context).toOpaque()
        var rc = sqlite3_create_module_v2(connection.handle, "telemetry", TelemetryVirtualTable.module, aux, { p in
            if let p { Unmanaged<TelemetryVirtualTable.Context>.fromOpaque(p).release() }
        })
        if rc == SQLITE_OK { rc = SQLFunctions.register(on: connection.handle, clock: clock) }
        guard rc == SQLITE_OK else { throw .open("cannot register the telemetry table: \(String(cString: sqlite3_errstr(rc)))") }
        authorizer = QueryAuthorizer.install(on: connection.handle)
    }

    /// Whether this engine still reads what a new one would open: the same telemetry file (not
    /// replaced, e.g. by a restore) and the registry attached if it exists now.
    public var isCurrent: Bool {
        files.isCurrent(registryAttached: registryAttached)
    }

    /// Whether the connection is idle outside any transaction (a query that failed midway leaves
    /// none open either; checked before an engine goes back to its pool).
    public var isIdle: Bool {
        sqlite3_get_autocommit(connection.handle) != 0
    }

    /// Runs one SQL statement and returns all its rows.
    ///
    /// - Parameters:
    ///   - sql: one statement; `INTERVAL '…'` and RFC 3339 literals are rewritten (see `QueryRewriter`).
    ///   - now: the value of `now()` in ms (the caller's clock; the CLI passes the wall clock).
    ///   - allowNative: use the native path when the query has its shape (tests turn it off to
    ///     compare both paths).
    /// - Throws: `AnalyticsError.sql` with line and column for errors in the SQL.
    public func query(_ sql: String, now: Int64, allowNative: Bool = true) throws(AnalyticsError) -> QueryResult {
        clock.now = now
        let rewritten = try QueryRewriter.rewrite(sql)
        if allowNative, let plan = NativePlan.match(rewritten.sql, now: now) {
            do {
                var aggregator = NativeAggregator(reader: TelemetryReader(connection: connection, chunkWindowMillis: chunkWindowMillis))
                return try aggregator.run(plan)
            } catch let e as TelemetryStoreError { throw .store(e) } catch { throw .open("\(error)") }
        }
        let stmt: Statement
        authorizer?.refusal = nil
        do {
            stmt = try connection.prepare(rewritten.sql)
        } catch {
            if let refusal = authorizer?.refusal {
                throw AnalyticsError.sql(message: refusal, line: nil, column: nil, excerpt: nil)
            }
            let offset = Int(sqlite3_error_offset(connection.handle))
            if error.message == "only one SQL statement is allowed" {
                throw AnalyticsError.sql(message: "only one SQL statement is allowed", line: nil, column: nil, excerpt: nil)
            }
            throw AnalyticsError.located(error.message, offset: offset >= 0 ? rewritten.originalOffset(offset) : nil, in: sql)
        }
        guard sqlite3_stmt_readonly(stmt.handle) != 0 else {
            throw .sql(message: "only read-only statements (SELECT, WITH, read-only PRAGMA, EXPLAIN) are allowed", line: nil, column: nil, excerpt: nil)
        }
        var columns: [String] = []
        var timeColumns = Set<Int>()
        for i in 0..<stmt.columnCount {
            let name = stmt.columnName(i)
            columns.append(name)
            let table = sqlite3_column_table_name(stmt.handle, i).map { String(cString: $0) }
            let origin = sqlite3_column_origin_name(stmt.handle, i).map { String(cString: $0) }
            if QueryResult.isTimeColumn(name: name, originTable: table, originColumn: origin) { timeColumns.insert(Int(i)) }
        }
        var rows: [[Value]] = []
        do {
            while try stmt.step() { rows.append((0..<stmt.columnCount).map { stmt.value($0) }) }
        } catch {
            throw AnalyticsError.sql(message: error.message, line: nil, column: nil, excerpt: nil)
        }
        return QueryResult(columns: columns, timeColumns: timeColumns, rows: rows, path: "sqlite")
    }
}
