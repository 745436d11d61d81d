import Foundation
import SQLite
public import TimeSeries

/// What one `compact()` call did.
public struct CompactionReport: Sendable, Equatable {
    /// Hot rows moved into chunks.
    public var rowsMoved = 0
    /// Chunks written (new or rewritten).
    public var chunksWritten = 0
    /// Of those, chunks that already existed and had points merged in (late or duplicate points).
    public var chunksMerged = 0
}

extension TelemetryStore {
    /// Moves every hot row into chunks, batch by batch (`compactionBatchRows`).
    ///
    /// Per batch: (1) in a read snapshot, read the oldest hot rows and the existing chunks of the
    /// windows they touch; (2) outside any transaction, merge (the hot row wins a duplicate time),
    /// encode and compress; (3) in a short `BEGIN IMMEDIATE`, check that those chunks were not
    /// replaced meanwhile (else redo the batch), swap them and delete the moved hot rows.
    /// Ingest keeps writing throughout and only waits for step (3).
    @discardableResult
    public func compact() throws(TelemetryStoreError) -> CompactionReport {
        compactLock.lock()
        defer { compactLock.unlock() }
        var report = CompactionReport()
        while true {
            guard let batch = try compactionStep(into: &report) else { break }
            if !batch { continue }
        }
        metrics.compactions.increment()
        metrics.chunksWritten.increment(by: report.chunksWritten)
        metrics.rowsCompacted.increment(by: report.rowsMoved)
        return report
    }

    struct WindowKey: Hashable { var series: Int64; var windowStart: Int64 }

    /// One batch. Returns nil when the hot table is empty, false when the batch must be retried.
    func compactionStep(into report: inout CompactionReport) throws(TelemetryStoreError) -> Bool? {
        let db = compactor
        let window = configuration.chunkWindowMillis
        // (1) Read phase, one snapshot.
        var groups: [WindowKey: [Point]] = [:]
        var existing: [WindowKey: (id: Int64, times: Int64?, points: [Point])] = [:]
        var highestID: Int64 = 0
        var rowCount = 0
        do {
            try db.execute("BEGIN")
            defer { try? db.execute("COMMIT") }
            let hot = try db.prepare("SELECT id, data FROM hot ORDER BY id")
            defer { hot.reset() }
            while rowCount < configuration.compactionBatchRows, try hot.step() {
                let id = hot.int64(0)
                highestID = id
                try hot.withBlob(1) { raw in
                    try HotBatch.decode(raw, rowID: id) { series, p in
                        let key = WindowKey(series: series, windowStart: TimeBucket.start(of: p.time, width: window, origin: 0))
                        groups[key, default: []].append(p)
                        rowCount += 1
                    }
                }
            }
            if rowCount == 0 { return nil }
            let chunk = try db.prepare("SELECT c.id, c.data, c.times, t.data FROM chunks c LEFT JOIN time_columns t ON t.id = c.times WHERE c.series = ? AND c.window_start = ?")
            for key in groups.keys {
                chunk.bind(1, key.series)
                chunk.bind(2, key.windowStart)
                defer { chunk.reset() }
                if try chunk.step() {
                    let id = chunk.int64(0)
                    let timesID: Int64? = chunk.isNull(2) ? nil : chunk.int64(2)
                    let timeColumn: [UInt8]? = timesID == nil ? nil : chunk.blob(3)
                    let points = try chunk.withBlob(1) { raw in
                        try ChunkCodec.decode(compressed: raw, timeColumn: timeColumn, series: key.series, windowStart: key.windowStart)
                    }
                    existing[key] = (id, timesID, points)
                }
            }
        } catch let e as SQLiteError { throw .sqlite(e) } catch let e as TelemetryStoreError { throw e } catch { throw .dataDirectory("\(error)") }

        // (2) Merge and encode, no transaction held.
        // Chunks whose times equal another chunk's in this batch (the metrics of one uplink) get
        // their times from a shared time column; the others stay self-contained.
        struct Encoded {
            var key: WindowKey; var stats: ChunkStatistics; var points: [Point]
            var data: [UInt8]; var timeHash: Int64?; var timeColumn: [UInt8]?
        }
        var merged: [(WindowKey, [Point], Int64)] = []
        var hashCounts: [Int64: Int] = [:]
        for (key, newPoints) in groups {
            let points = ((existing[key]?.points ?? []) + newPoints).sortedLatestWins()
            let h = TimeColumnHash.of(points)
            hashCounts[h, default: 0] += 1
            merged.append((key, points, h))
        }
        var encoded: [Encoded] = []
        encoded.reserveCapacity(merged.count)
        var columns: [Int64: [UInt8]] = [:]
        for (key, points, h) in merged {
            guard let stats = ChunkStatistics(sortedPoints: points) else { continue }
            if points.count >= 2 && (hashCounts[h] ?? 0) >= 2 {
                if columns[h] == nil { columns[h] = try ChunkCodec.encodeTimeColumn(points.map(\.time), level: configuration.zstdLevel) }
                encoded.append(Encoded(key: key, stats: stats, points: points,
                                       data: try ChunkCodec.encode(points, level: configuration.zstdLevel, externalTimes: true),
                                       timeHash: h, timeColumn: columns[h]))
            } else {
                encoded.append(Encoded(key: key, stats: stats, points: points,
                                       data: try ChunkCodec.encode(points, level: configuration.zstdLevel), timeHash: nil, timeColumn: nil))
            }
        }

        // (3) Swap, briefly holding the write lock.
        do {
            try db.execute("BEGIN IMMEDIATE")
            var committed = false
            defer { if !committed { try? db.execute("ROLLBACK") } }
            let current = try db.prepare("SELECT id FROM chunks WHERE series = ? AND window_start = ?")
            let delete = try db.prepare("DELETE FROM chunks WHERE id = ?")
            let insert = try db.prepare("""
                INSERT INTO chunks(series, window_start, start_time, end_time, count, min, max, sum, first, last, data, times)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertColumn = try db.prepare("INSERT OR IGNORE INTO time_columns(hash, data) VALUES (?, ?)")
            let findColumn = try db.prepare("SELECT id, data FROM time_columns WHERE hash = ?")
            let collect = try db.prepare("DELETE FROM time_columns WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM chunks WHERE times = ?1)")
            var orphanCandidates = Set<Int64>()
            for var e in encoded {
                current.bind(1, e.key.series)
                current.bind(2, e.key.windowStart)
                let nowID: Int64? = try current.step() ? current.int64(0) : nil
                current.reset()
                // Another compactor (another process) replaced this chunk since our snapshot.
                if nowID != existing[e.key]?.id { return false }
                if let nowID { try delete.run([.integer(nowID)]) }
                if let old = existing[e.key]?.times { orphanCandidates.insert(old) }
                var timesID: Value = .null
                if let h = e.timeHash, let column = e.timeColumn {
                    try insertColumn.run([.integer(h), .blob(column)])
                    let found = try findColumn.rows([.integer(h)])
                    if let row = found.first, row.count == 2, case let .integer(id) = row[0], row[1] == .blob(column) {
                        timesID = .integer(id)
                    } else {
                        // A hash collision with different times: keep this chunk self-contained.
                        e.data = try ChunkCodec.encode(e.points, level: configuration.zstdLevel)
                    }
                }
                insert.bind([.integer(e.key.series), .integer(e.key.windowStart), .integer(e.stats.startTime), .integer(e.stats.endTime),
                             .integer(Int64(e.stats.count)), .real(e.stats.minValue), .real(e.stats.maxValue), .real(e.stats.sum),
                             .real(e.stats.first), .real(e.stats.last), .blob(e.data), timesID])
                try insert.step()
                insert.reset()
            }
            for id in orphanCandidates { try collect.run([.integer(id)]) }
            try db.prepare("DELETE FROM hot WHERE id <= ?").run([.integer(highestID)])
            try db.execute("COMMIT")
            committed = true
        } catch let e as SQLiteError { throw .sqlite(e) } catch { throw .dataDirectory("\(error)") }
        report.rowsMoved += rowCount
        report.chunksWritten += encoded.count
        report.chunksMerged += existing.count
        return true
    }

    /// Runs `compact()` every `interval` until the task is cancelled (the server's background
    /// compaction). Errors are passed to `onError` and compaction continues at the next tick.
    /// The current wall-clock time in epoch milliseconds.
    public static func wallClockMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Each round also applies the per-application retention (`setRetention`), with `now` giving
    /// the wall-clock time in epoch milliseconds.
    public func runCompaction(every interval: Duration, clock: any Clock<Duration> = ContinuousClock(),
                              now: @Sendable () -> Int64 = TelemetryStore.wallClockMillis,
                              onError: @Sendable (TelemetryStoreError) -> Void = { _ in }) async {
        while !Task.isCancelled {
            do { try await clock.sleep(for: interval, tolerance: nil) } catch { return }
            let (report, retention) = await compactInBackground(now: now())
            if case let .failure(error) = report { onError(error) }
            if case let .failure(error) = retention { onError(error) }
        }
    }
}

/// zstd around the chunk blob format.
public enum ChunkCodec {
    /// Encodes and compresses sorted, unique points.
    public static func encode(_ points: [Point], level: Int32 = 3, externalTimes: Bool = false) throws(TelemetryStoreError) -> [UInt8] {
        try Zstd.pack(ChunkEncoder.encode(points, externalTimes: externalTimes), level: level)
    }

    /// Encodes and compresses a time column.
    public static func encodeTimeColumn(_ times: [Int64], level: Int32 = 3) throws(TelemetryStoreError) -> [UInt8] {
        try Zstd.pack(ChunkEncoder.encodeTimeColumn(times), level: level)
    }

    /// Decompresses and decodes a stored chunk and, when it has one, its compressed time column.
    public static func decode(compressed: UnsafeRawBufferPointer, timeColumn: [UInt8]? = nil, series: Int64 = 0, windowStart: Int64 = 0) throws(TelemetryStoreError) -> [Point] {
        let blob = try Zstd.unpack(compressed)
        var times: [Int64]?
        if let timeColumn {
            let raw: [UInt8]
            do {
                raw = try timeColumn.withUnsafeBytes { p in try Zstd.unpack(p) }
            } catch let e as TelemetryStoreError { throw e } catch { throw .zstd("\(error)") }
            do { times = try ChunkDecoder.decodeTimeColumn(raw) } catch { throw .corruptChunk(series: series, windowStart: windowStart, error) }
        }
        do { return try ChunkDecoder.decode(blob, externalTimes: times) } catch { throw .corruptChunk(series: series, windowStart: windowStart, error) }
    }
}

/// A 64-bit FNV-1a hash of a chunk's times: the content address of a shared time column.
enum TimeColumnHash {
    static func of(_ points: [Point]) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in points {
            var t = UInt64(bitPattern: p.time)
            for _ in 0..<8 {
                h = (h ^ (t & 0xFF)) &* 0x0000_0100_0000_01B3
                t >>= 8
            }
        }
        return Int64(bitPattern: h)
    }
}
