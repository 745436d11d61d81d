public import SQLite
public import TelemetryStore

/// Errors of the analytics layer. SQL errors carry where (line, column, the offending line with a
/// caret) and what (SQLite's or our message).
public enum AnalyticsError: Error, CustomStringConvertible {
    /// The query is not valid SQL, or refers to something that does not exist.
    case sql(message: String, line: Int?, column: Int?, excerpt: String?)
    /// The store could not be read.
    case store(TelemetryStoreError)
    /// The database could not be opened.
    case open(String)

    public var description: String {
        switch self {
        case let .sql(message, line, column, excerpt):
            var s = "SQL error"
            if let line, let column { s += " at line \(line), column \(column)" }
            s += ": \(message)"
            if let excerpt { s += "\n" + excerpt }
            return s
        case let .store(e): return e.description
        case let .open(m): return m
        }
    }

    /// A stable snake_case code for API responses.
    public var code: String {
        switch self {
        case .sql: return "sql_error"
        case .store: return "store_error"
        case .open: return "store_unavailable"
        }
    }

    /// Builds an error located at byte `offset` of `sql` (nil: no location).
    static func located(_ message: String, offset: Int?, in sql: String) -> AnalyticsError {
        guard let offset, offset >= 0 else { return .sql(message: message, line: nil, column: nil, excerpt: nil) }
        let bytes = Array(sql.utf8)
        let clamped = min(offset, bytes.count)
        var line = 1, lineStart = 0
        for i in 0..<clamped where bytes[i] == 0x0A { line += 1; lineStart = i + 1 }
        var lineEnd = lineStart
        while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
        let lineText = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
        let prefix = String(decoding: bytes[lineStart..<clamped], as: UTF8.self)
        let column = prefix.count + 1
        let excerpt = "  " + lineText + "\n  " + String(repeating: " ", count: column - 1) + "^"
        return .sql(message: message, line: line, column: column, excerpt: excerpt)
    }
}
