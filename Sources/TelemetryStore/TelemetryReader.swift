public import SQLite
public import TimeSeries

/// A series known to the store.
public struct SeriesInfo: Sendable, Hashable {
    public var id: Int64
    public var device: String
    public var metric: String
}

/// A stored chunk: statistics always, points on demand.
public struct StoredChunk: Sendable {
    /// The chunk's row id.
    public var id: Int64
    public var series: Int64
    public var windowStart: Int64
    public var statistics: ChunkStatistics
    /// zstd(chunk blob); empty when the chunk was listed without its data (`withData: false`).
    public var compressed: [UInt8]
    /// zstd(time column) when the chunk's times are shared.
    public var compressedTimes: [UInt8]?

    /// Decompresses and decodes the chunk's points (sorted by time, unique).
    public func points() throws(TelemetryStoreError) -> [Point] {
        do {
            return try compressed.withUnsafeBytes { raw in
                try ChunkCodec.decode(compressed: raw, timeColumn: compressedTimes, series: series, windowStart: windowStart)
            }
        } catch let e as TelemetryStoreError { throw e } catch { throw .zstd("\(error)") }
    }
}

/// Reads the store through any connection to `telemetry.sqlite` (the analytics connection uses
/// it from inside virtual-table callbacks). Hot rows and chunks appear as one: for a series, the
/// hot rows are laid over the chunk points, and a later hot row wins over an earlier one.
public struct TelemetryReader {
    public let connection: Connection
    let windowMillis: Int64
    let statements = Statements()

    /// Prepared statements reused for the reader's lifetime (a query visits many series), in a
    /// box so the reader's methods stay non-mutating.
    final class Statements {
        var cache = StatementCache()
    }

    func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try statements.cache.statement(sql, on: connection)
    }

    public init(connection: Connection, chunkWindowMillis: Int64 = TelemetryStoreConfiguration().chunkWindowMillis) {
        self.connection = connection
        self.windowMillis = chunkWindowMillis
    }

    /// The series matching optional device and metric equalities (sets), ordered by id.
    public func series(devices: Set<String>? = nil, metrics: Set<String>? = nil) throws(TelemetryStoreError) -> [SeriesInfo] {
        try sql { () throws(SQLiteError) in
            var clauses: [String] = []
            var args: [Value] = []
            if let devices {
                clauses.append("device IN (\(devices.map { _ in "?" }.joined(separator: ",")))")
                args += devices.sorted().map { .text($0) }
            }
            if let metrics {
                clauses.append("metric IN (\(metrics.map { _ in "?" }.joined(separator: ",")))")
                args += metrics.sorted().map { .text($0) }
            }
            if (devices?.isEmpty ?? false) || (metrics?.isEmpty ?? false) { return [] }
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let stmt = try connection.prepare("SELECT id, device, metric FROM series\(whereSQL) ORDER BY id")
            defer { stmt.reset() }
            stmt.bind(args)
            var out: [SeriesInfo] = []
            while try stmt.step() {
                out.append(SeriesInfo(id: stmt.int64(0), device: stmt.string(1) ?? "", metric: stmt.string(2) ?? ""))
            }
            return out
        }
    }

    /// Hot points in [from, to] of the given series (all series when `nil`), per series, sorted by
    /// time with duplicates resolved (latest write wins). One scan of the hot table.
    public func hotPoints(series ids: Set<Int64>?, from: Int64, to: Int64) throws(TelemetryStoreError) -> [Int64: [Point]] {
        try sql { () throws(SQLiteError) in
            let stmt = try prepare("SELECT id, data FROM hot WHERE max_time >= ? AND min_time <= ? ORDER BY id")
            defer { stmt.reset() }
            stmt.bind(1, from)
            stmt.bind(2, to)
            var out: [Int64: [Point]] = [:]
            var failure: TelemetryStoreError?
            while try stmt.step() {
                let id = stmt.int64(0)
                stmt.withBlob(1) { raw in
                    do {
                        try HotBatch.decode(raw, rowID: id) { s, p in
                            if p.time < from || p.time > to { return }
                            if let ids, !ids.contains(s) { return }
                            out[s, default: []].append(p)
                        }
                    } catch let e as TelemetryStoreError { failure = e } catch { failure = .zstd("\(error)") }
                }
                if let failure { throw SQLiteError(code: 11, message: failure.description) }
            }
            for (k, v) in out { out[k] = v.sortedLatestWins() }
            return out
        }
    }

    /// Chunks of `series` that may hold points in [from, to], in time order.
    /// - Parameter withData: also read the blobs; without, `points(of:)` reads them on demand (for
    ///   callers that answer most chunks from their statistics).
    public func chunks(series: Int64, from: Int64, to: Int64, withData: Bool = true) throws(TelemetryStoreError) -> [StoredChunk] {
        try sql { () throws(SQLiteError) in
            let data = withData ? "c.data, c.times, t.data" : "NULL, NULL, NULL"
            let stmt = try prepare("""
                SELECT c.window_start, c.start_time, c.end_time, c.count, c.min, c.max, c.sum, c.first, c.last, \(data), c.id
                FROM chunks c LEFT JOIN time_columns t ON t.id = c.times
                WHERE c.series = ?1 AND c.window_start > ?2 AND c.window_start <= ?3 AND c.end_time >= ?4 AND c.start_time <= ?3
                ORDER BY c.window_start
                """)
            defer { stmt.reset() }
            stmt.bind(1, series)
            let (lower, overflow) = from.subtractingReportingOverflow(windowMillis)
            stmt.bind(2, overflow ? Int64.min : lower)
            stmt.bind(3, to)
            stmt.bind(4, from)
            var out: [StoredChunk] = []
            while try stmt.step() {
                let stats = ChunkStatistics(count: Int(stmt.int64(3)), minValue: stmt.double(4), maxValue: stmt.double(5), sum: stmt.double(6),
                                            first: stmt.double(7), last: stmt.double(8), startTime: stmt.int64(1), endTime: stmt.int64(2))
                out.append(StoredChunk(id: stmt.int64(12), series: series, windowStart: stmt.int64(0), statistics: stats, compressed: stmt.blob(9),
                                       compressedTimes: stmt.isNull(10) ? nil : stmt.blob(11)))
            }
            return out
        }
    }

    /// The points of a chunk, reading its blobs first when it was listed without them.
    public func points(of chunk: StoredChunk) throws(TelemetryStoreError) -> [Point] {
        if !chunk.compressed.isEmpty { return try chunk.points() }
        var loaded = chunk
        try sql { () throws(SQLiteError) in
            let stmt = try prepare("SELECT c.data, c.times, t.data FROM chunks c LEFT JOIN time_columns t ON t.id = c.times WHERE c.id = ?")
            defer { stmt.reset() }
            stmt.bind(1, chunk.id)
            guard try stmt.step() else { throw SQLiteError(code: 1, message: "chunk \(chunk.id) vanished") }
            loaded.compressed = stmt.blob(0)
            loaded.compressedTimes = stmt.isNull(1) ? nil : stmt.blob(2)
        }
        return try loaded.points()
    }

    /// Every point of `series` in [from, to], sorted by time, hot rows laid over chunk points.
    /// - Parameter hot: this series' hot points from `hotPoints` (sorted, unique).
    public func points(series: Int64, from: Int64, to: Int64, hot: [Point]) throws(TelemetryStoreError) -> [Point] {
        var base: [Point] = []
        for chunk in try chunks(series: series, from: from, to: to) {
            let pts = try chunk.points()
            if chunk.statistics.startTime >= from && chunk.statistics.endTime <= to {
                base.append(contentsOf: pts)
            } else {
                base.append(contentsOf: pts.lazy.filter { $0.time >= from && $0.time <= to })
            }
        }
        return overlay(base: base, newer: hot)
    }
}

/// Merges two time-sorted, unique point lists; at equal times `newer` wins.
public func overlay(base: [Point], newer: [Point]) -> [Point] {
    if newer.isEmpty { return base }
    if base.isEmpty { return newer }
    var out: [Point] = []
    out.reserveCapacity(base.count + newer.count)
    var i = 0, j = 0
    while i < base.count || j < newer.count {
        if j == newer.count || (i < base.count && base[i].time < newer[j].time) {
            out.append(base[i]); i += 1
        } else if i == base.count || newer[j].time < base[i].time {
            out.append(newer[j]); j += 1
        } else {
            out.append(newer[j]); i += 1; j += 1
        }
    }
    return out
}
