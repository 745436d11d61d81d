public import SQLite
public import TimeSeries

/// Errors of the telemetry store.
public enum TelemetryStoreError: Error, CustomStringConvertible {
    /// SQLite refused an operation.
    case sqlite(SQLiteError)
    /// A chunk blob could not be decoded (the chunk is named by series id and window start).
    case corruptChunk(series: Int64, windowStart: Int64, TimeSeriesError)
    /// A hot-table row could not be decoded.
    case corruptHotRow(id: Int64, reason: String)
    /// zstd failed to compress or decompress (`reason` is zstd's message).
    case zstd(String)
    /// The data directory cannot be created or used.
    case dataDirectory(String)
    /// An import file cannot be read.
    case importFile(String)

    public var description: String {
        switch self {
        case let .sqlite(e): return e.description
        case let .corruptChunk(series, windowStart, e): return "corrupt chunk (series \(series), window \(RFC3339.format(windowStart))): \(e)"
        case let .corruptHotRow(id, reason): return "corrupt hot row \(id): \(reason)"
        case let .zstd(reason): return "zstd: \(reason)"
        case let .dataDirectory(reason): return "data directory: \(reason)"
        case let .importFile(reason): return "import: \(reason)"
        }
    }
}

/// Runs `body`, wrapping SQLite errors.
@inline(__always)
func sql<R>(_ body: () throws(SQLiteError) -> R) throws(TelemetryStoreError) -> R {
    do { return try body() } catch { throw .sqlite(error) }
}
