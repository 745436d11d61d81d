import Foundation
public import SQLite
public import TimeSeries

/// One point addressed to its series, as the network server and the importer write it.
public struct TelemetryPoint: Sendable, Hashable {
    public var device: String
    public var metric: String
    public var time: Int64
    public var value: Double
    public init(device: String, metric: String, time: Int64, value: Double) {
        self.device = device
        self.metric = metric
        self.time = time
        self.value = value
    }
}

/// The telemetry store: owns `<data-dir>/telemetry.sqlite`.
///
/// Writes go to the hot row table in one transaction per `write` call; when `write` returns the
/// points are durable (WAL; `synchronous=NORMAL` survives a process crash, FULL a power loss).
/// `compact()` moves hot rows into compressed chunks on its own connection: it reads and encodes
/// outside any write transaction and takes the write lock only to swap chunks and delete the
/// moved hot rows, so ingest waits at most for that short swap. Readers (`TelemetryReader`) see
/// hot rows and chunks as one.
///
/// Thread-safe: writes are serialised on the writer connection, compactions on the compactor's.
public final class TelemetryStore: @unchecked Sendable {
    /// The database file.
    public let path: String
    public let configuration: TelemetryStoreConfiguration
    let writer: Connection
    let compactor: Connection
    let writeLock = NSLock()
    let compactLock = NSLock()
    /// Series ids by device, then metric (writer-lock confined).
    var seriesCache: [String: DeviceSeries] = [:]
    let metrics = StoreMetrics()

    /// The series ids of one device. The points of one uplink share their device and come
    /// together, so `write` looks the device up once per run of points and then finds each metric
    /// among the device's few names by comparison (short names compare as two machine words)
    /// rather than hashing a (device, metric) key per point; a device with many metrics gets an
    /// index.
    final class DeviceSeries {
        static let scanLimit = 16
        var names: [String] = []
        var ids: [Int64] = []
        var index: [String: Int64]?

        func id(of metric: String) -> Int64? {
            if let index { return index[metric] }
            for i in names.indices where names[i] == metric { return ids[i] }
            return nil
        }

        func add(_ metric: String, id: Int64) {
            names.append(metric)
            ids.append(id)
            if index != nil {
                index?[metric] = id
            } else if names.count > Self.scanLimit {
                index = Dictionary(zip(names, ids), uniquingKeysWith: { _, last in last })
            }
        }
    }

    /// The store's file inside a data directory.
    public static func databasePath(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("telemetry.sqlite")
    }

    /// Opens (creating and migrating if needed) `<dataDirectory>/telemetry.sqlite`.
    public convenience init(dataDirectory: String, configuration: TelemetryStoreConfiguration = .init()) throws(TelemetryStoreError) {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .dataDirectory("cannot create \(dataDirectory): \(error.localizedDescription)")
        }
        try self.init(path: Self.databasePath(dataDirectory: dataDirectory), configuration: configuration)
    }

    /// Opens the store at a database file path.
    public init(path: String, configuration: TelemetryStoreConfiguration = .init()) throws(TelemetryStoreError) {
        self.path = path
        self.configuration = configuration
        do {
            let w = try Connection(path: path)
            try w.enableWAL(synchronousFull: configuration.synchronousFull)
            try Schema.migrate(w)
            let c = try Connection(path: path)
            try c.enableWAL(synchronousFull: configuration.synchronousFull)
            writer = w
            compactor = c
        } catch let e as SQLiteError { throw .sqlite(e) } catch { throw .dataDirectory("\(error)") }
    }

    // MARK: Ingest

    /// Writes `points` in one transaction; durable when this returns. Duplicates of an existing
    /// (device, metric, time) replace it (the latest write wins); late points are fine.
    /// - Parameter application: the application new series are filed under (for retention).
    public func write(_ points: some Sequence<TelemetryPoint>, application: String = "") throws(TelemetryStoreError) {
        writeLock.lock()
        defer { writeLock.unlock() }
        var written = 0
        do {
            try writer.transaction {
                let insert = try writer.prepare("INSERT INTO hot(count, min_time, max_time, data) VALUES (?, ?, ?, ?)")
                var entries: [HotBatch.Entry] = []
                var device: (name: String, series: DeviceSeries)?
                var iterator = points.makeIterator()
                var done = false
                // Rows of at most 64 Ki points keep compaction batches and reader memory bounded.
                while !done {
                    entries.removeAll(keepingCapacity: true)
                    var lo = Int64.max, hi = Int64.min
                    while entries.count < 65_536 {
                        guard let p = iterator.next() else { done = true; break }
                        let series: DeviceSeries
                        if let d = device, d.name == p.device { series = d.series } else {
                            series = deviceSeries(p.device)
                            device = (p.device, series)
                        }
                        let id = try series.id(of: p.metric) ?? seriesID(device: p.device, metric: p.metric, application: application, into: series)
                        entries.append(HotBatch.Entry(series: id, point: Point(time: p.time, value: p.value)))
                        lo = min(lo, p.time)
                        hi = max(hi, p.time)
                    }
                    if entries.isEmpty { break }
                    try insert.run([.integer(Int64(entries.count)), .integer(lo), .integer(hi), .blob(HotBatch.encode(entries))])
                    written += entries.count
                }
            }
            metrics.pointsWritten.increment(by: written)
        } catch let e as SQLiteError {
            // A rolled-back transaction may have cached ids of series rows that no longer exist.
            seriesCache.removeAll()
            throw .sqlite(e)
        } catch {
            seriesCache.removeAll()
            throw .dataDirectory("\(error)")
        }
    }

    /// The cached series of `device` (created empty on first use).
    func deviceSeries(_ device: String) -> DeviceSeries {
        if let s = seriesCache[device] { return s }
        let s = DeviceSeries()
        seriesCache[device] = s
        return s
    }

    /// Creates (or finds) the series row of (`device`, `metric`) and caches its id in `series`.
    func seriesID(device: String, metric: String, application: String, into series: DeviceSeries) throws -> Int64 {
        if let id = series.id(of: metric) { return id }
        let ins = try writer.prepare("INSERT OR IGNORE INTO series(device, metric, application) VALUES (?, ?, ?)")
        try ins.run([.text(device), .text(metric), .text(application)])
        let sel = try writer.prepare("SELECT id FROM series WHERE device = ? AND metric = ?")
        let rows = try sel.rows([.text(device), .text(metric)])
        guard case let .integer(id)? = rows.first?.first else {
            throw SQLiteError(code: 1, message: "series row missing after insert")
        }
        series.add(metric, id: id)
        return id
    }

    /// Points waiting in the hot table.
    public func hotRowCount() throws(TelemetryStoreError) -> Int {
        try sql { () throws(SQLiteError) in
            let rows = try compactor.prepare("SELECT coalesce(sum(count), 0) FROM hot").rows()
            if case let .integer(n)? = rows.first?.first { return Int(n) }
            return 0
        }
    }

    // MARK: Retention

    /// Keeps `days` days of data for `application` (`nil` removes the rule: keep forever).
    public func setRetention(application: String, days: Int?) throws(TelemetryStoreError) {
        writeLock.lock()
        defer { writeLock.unlock() }
        try sql { () throws(SQLiteError) in
            if let days {
                try writer.prepare("INSERT INTO retention(application, days) VALUES (?, ?) ON CONFLICT(application) DO UPDATE SET days = excluded.days")
                    .run([.text(application), .integer(Int64(days))])
            } else {
                try writer.prepare("DELETE FROM retention WHERE application = ?").run([.text(application)])
            }
        }
    }

    /// Drops every chunk older than its application's retention, relative to `now`
    /// (ms). A chunk goes when its newest point is older than the cut-off. Returns the number of
    /// chunks dropped. Points still in the hot table are not touched: they are compacted first and
    /// dropped by a later run.
    @discardableResult
    public func applyRetention(now: Int64) throws(TelemetryStoreError) -> Int {
        writeLock.lock()
        defer { writeLock.unlock() }
        do {
            return try writer.transaction {
                let rules = try writer.prepare("SELECT application, days FROM retention").rows()
                var dropped = 0
                for rule in rules {
                    guard rule.count == 2, case let .text(app) = rule[0], case let .integer(days) = rule[1] else { continue }
                    let cutoff = now &- days &* 86_400_000
                    try writer.prepare("DELETE FROM chunks WHERE end_time < ?2 AND series IN (SELECT id FROM series WHERE application = ?1)")
                        .run([.text(app), .integer(cutoff)])
                    dropped += writer.changes
                }
                if dropped > 0 {
                    try writer.execute("DELETE FROM time_columns WHERE NOT EXISTS (SELECT 1 FROM chunks WHERE times = time_columns.id)")
                }
                return dropped
            }
        } catch let e as SQLiteError { throw .sqlite(e) } catch { throw .dataDirectory("\(error)") }
    }
}
