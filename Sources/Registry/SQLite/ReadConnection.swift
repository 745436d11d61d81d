import Foundation
import SQLite

/// A read-only SQLite connection with its own lock and prepared statements, for reads that must
/// not queue behind the registry's writer. In WAL mode each read sees the last committed state;
/// a commit running on the writer connection meanwhile neither blocks it nor is seen half-done.
final class ReadConnection: @unchecked Sendable {
    // @unchecked: `connection` and `statements` are only touched while holding `lock`.
    private let connection: Connection
    private var statements = StatementCache()
    private let lock = NSLock()

    init(path: String) throws {
        connection = try Connection(path: path, readOnly: true)
    }

    func rows(_ sql: String, _ values: [Value]) throws -> [[Value]] {
        lock.lock()
        defer { lock.unlock() }
        return try statements.statement(sql, on: connection).rows(values)
    }
}
