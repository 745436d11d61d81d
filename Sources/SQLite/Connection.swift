public import CSQLite

/// One SQLite connection. Not thread-safe: use it from one task at a time (wrap it in an actor or
/// a serial queue); open several connections for concurrent readers in WAL mode.
///
/// This is deliberately a thin layer over the C API: prepared statements are reused by callers on
/// hot paths, values bind without intermediate allocations, and the raw handle is available for
/// what the wrapper does not cover (virtual tables, custom functions).
public final class Connection {
    /// The raw `sqlite3*` handle, for C API calls this wrapper does not cover.
    public let handle: OpaquePointer
    /// The path the connection was opened with (":memory:" for an in-memory database).
    public let path: String

    /// Opens (creating if needed) the database at `path`.
    /// - Parameters:
    ///   - path: a file path, or ":memory:".
    ///   - readOnly: open without write access.
    ///   - busyTimeoutMillis: how long a statement waits for a lock held by another connection.
    public init(path: String, readOnly: Bool = false, busyTimeoutMillis: Int32 = 5_000) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMillis)
        self.handle = db
        self.path = path
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that return no rows of interest.
    public func execute(_ sql: String) throws(SQLiteError) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errmsg)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// Compiles one SQL statement. Trailing text after the first statement is an error, so that a
    /// caller never silently runs half of what it was given.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(connection: self, sql: sql)
    }

    /// Switches the database to WAL journaling with `synchronous=NORMAL`: commits are durable
    /// against a process crash (`kill -9`) and fast; a power loss may lose the last transactions.
    public func enableWAL(synchronousFull: Bool = false) throws(SQLiteError) {
        try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=\(synchronousFull ? "FULL" : "NORMAL");")
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE` … `COMMIT`), rolling back when it throws.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The rowid of the most recent successful INSERT.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func error(sql: String? = nil) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: lastErrorMessage, sql: sql)
    }
}
