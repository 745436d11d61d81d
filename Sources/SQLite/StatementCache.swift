/// Prepared statements of one connection, by SQL text, prepared on first use. Not thread-safe:
/// keep it behind the same lock as its connection.
public struct StatementCache {
    private var statements: [String: Statement] = [:]

    public init() {}

    /// The statement for `sql` on `connection`, prepared once.
    public mutating func statement(_ sql: String, on connection: Connection) throws(SQLiteError) -> Statement {
        if let s = statements[sql] { return s }
        let s = try connection.prepare(sql)
        statements[sql] = s
        return s
    }
}
