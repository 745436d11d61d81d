public import CSQLite

/// A compiled SQL statement. Bind parameters by 1-based index, `step()` through rows, read columns
/// by 0-based index, then `reset()` to reuse it.
public final class Statement {
    /// The raw `sqlite3_stmt*`.
    public let handle: OpaquePointer
    /// The connection that owns the statement; it stays open while the statement lives.
    public let connection: Connection
    public let sql: String

    init(connection: Connection, sql: String) throws(SQLiteError) {
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let rc = sql.withCString { cSQL in
            let rc = sqlite3_prepare_v3(connection.handle, cSQL, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &tail)
            if rc == SQLITE_OK, let t = tail {
                // Anything but whitespace and semicolons after the first statement is refused.
                var p = t
                while p.pointee != 0 {
                    let c = UInt8(bitPattern: p.pointee)
                    if !(c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x3B) { return Int32(-1) }
                    p += 1
                }
            }
            return rc
        }
        if rc == -1 {
            sqlite3_finalize(stmt)
            throw SQLiteError(code: SQLITE_ERROR, message: "only one SQL statement is allowed", sql: sql)
        }
        guard rc == SQLITE_OK, let stmt else {
            throw connection.error(sql: sql)
        }
        self.handle = stmt
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    public func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    public func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(handle, index, Int64(value)) }
    public func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(handle, index, value) }
    public func bind(_ index: Int32, _ value: String) {
        sqlite3_bind_text(handle, index, value, -1, lorikeet_sqlite_transient())
    }
    public func bind(_ index: Int32, blob: some Collection<UInt8>) {
        let bytes = Array(blob)
        bytes.withUnsafeBytes { raw in
            // A zero-length blob still binds as a blob, not NULL.
            _ = sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), lorikeet_sqlite_transient())
        }
    }
    public func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }
    public func bind(_ index: Int32, _ value: Int64?) { if let value { bind(index, value) } else { bindNull(index) } }
    public func bind(_ index: Int32, _ value: Double?) { if let value { bind(index, value) } else { bindNull(index) } }
    public func bind(_ index: Int32, _ value: String?) { if let value { bind(index, value) } else { bindNull(index) } }

    /// Binds `values` to parameters 1…n.
    public func bind(_ values: [Value]) {
        for (i, v) in values.enumerated() { bind(Int32(i + 1), v) }
    }

    public func bind(_ index: Int32, _ value: Value) {
        switch value {
        case .null: bindNull(index)
        case let .integer(v): bind(index, v)
        case let .real(v): bind(index, v)
        case let .text(v): bind(index, v)
        case let .blob(v): bind(index, blob: v)
        }
    }

    // MARK: Stepping

    /// Advances to the next row. Returns `true` when a row is available, `false` when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(sql: sql)
        }
    }

    /// Resets the statement for reuse and clears its bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds `values`, runs the statement to completion and resets it.
    public func run(_ values: [Value] = []) throws(SQLiteError) {
        defer { reset() }
        bind(values)
        while try step() {}
    }

    // MARK: Columns

    public var columnCount: Int32 { sqlite3_column_count(handle) }
    public func columnName(_ index: Int32) -> String { String(cString: sqlite3_column_name(handle, index)) }
    public func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }
    public func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
    public func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }
    public func string(_ index: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, index) else { return nil }
        return String(cString: p)
    }
    public func blob(_ index: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let p = sqlite3_column_blob(handle, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: count))
    }
    /// Calls `body` with the column's bytes without copying them; valid only inside `body`.
    public func withBlob<R>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let p = sqlite3_column_blob(handle, index) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: p, count: count))
    }

    /// The column as a dynamically typed value.
    public func value(_ index: Int32) -> Value {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return .text(string(index) ?? "")
        case SQLITE_BLOB: return .blob(blob(index))
        default: return .null
        }
    }

    /// Runs the statement with `values` and collects every row; resets afterwards.
    public func rows(_ values: [Value] = []) throws(SQLiteError) -> [[Value]] {
        defer { reset() }
        bind(values)
        var out: [[Value]] = []
        let n = columnCount
        while try step() {
            out.append((0..<n).map { value($0) })
        }
        return out
    }
}

/// A dynamically typed SQLite value.
public enum Value: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}
