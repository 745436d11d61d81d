import Foundation
import SQLite
import TelemetryStore
import TimeSeries

/// `lorikeet bench store`: generates a realistic fleet (seeded), loads it into the telemetry store,
/// into a plain SQLite row table with a (device, metric, time) index, and into DuckDB when the
/// Python module is installed, then reports ingest rate, bytes per point and the median of five
/// runs of five analyst queries for each, with ratios.
///
/// Data: per device, one uplink every 5–15 minutes with seconds of millisecond jitter, carrying
/// temperature (random walk, 0.1 °C), humidity (1 %), battery (mV, slowly falling), co2 (ppm),
/// a pulse counter, rssi (dBm) and snr (0.25 dB steps).
public struct TelemetryBenchmark {
    public var devices: Int
    public var days: Int
    public var includeDuckDB = true
    public var seed: UInt64 = 20_260_101
    /// The store's chunk window (the trade-off: wider windows store less per point, narrower ones
    /// answer more buckets from statistics).
    public var chunkWindowMillis: Int64 = TelemetryStoreConfiguration().chunkWindowMillis
    let start: Int64 = 1_767_225_600_000

    public init(devices: Int, days: Int) {
        self.devices = devices
        self.days = days
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func generate() -> [TelemetryPoint] {
        var rng = SplitMix(state: seed)
        var out: [TelemetryPoint] = []
        let end = start + Int64(days) * 86_400_000
        out.reserveCapacity(devices * days * 144 * 7)
        for d in 0..<devices {
            let device = String(format: "70b3d57ed00%05x", d)
            var t = start + Int64.random(in: 0..<900_000, using: &rng)
            var temp = Int64.random(in: 150...280, using: &rng), hum = Int64.random(in: 30...70, using: &rng)
            var battery = Int64.random(in: 3300...3600, using: &rng), co2 = Int64.random(in: 400...900, using: &rng)
            var pulses = Int64(0)
            while t < end {
                temp += Int64.random(in: -3...3, using: &rng)
                hum = min(100, max(0, hum + Int64.random(in: -1...1, using: &rng)))
                if Int.random(in: 0..<50, using: &rng) == 0 { battery -= 1 }
                co2 = max(380, co2 + Int64.random(in: -15...15, using: &rng))
                pulses += Int64.random(in: 0...20, using: &rng)
                let rssi = Int64.random(in: -120 ... -70, using: &rng)
                let snr = Double(Int64.random(in: -40...40, using: &rng)) / 4
                out.append(TelemetryPoint(device: device, metric: "temperature", time: t, value: Double(temp) / 10))
                out.append(TelemetryPoint(device: device, metric: "humidity", time: t, value: Double(hum)))
                out.append(TelemetryPoint(device: device, metric: "battery", time: t, value: Double(battery)))
                out.append(TelemetryPoint(device: device, metric: "co2", time: t, value: Double(co2)))
                out.append(TelemetryPoint(device: device, metric: "pulses", time: t, value: Double(pulses)))
                out.append(TelemetryPoint(device: device, metric: "rssi", time: t, value: Double(rssi)))
                out.append(TelemetryPoint(device: device, metric: "snr", time: t, value: snr))
                t += Int64.random(in: 300_000...900_000, using: &rng) + Int64.random(in: -5000...5000, using: &rng)
            }
        }
        return out
    }

    struct QuerySpec { var name: String; var lorikeet: String; var sqlite: String; var duckdb: String }

    func queries(firstDevice: String) -> [QuerySpec] {
        let from = start, to = start + Int64(min(days, 30)) * 86_400_000
        return [
            QuerySpec(name: "hourly avg/min/max, 1 device, 30 days",
                      lorikeet: "SELECT time_bucket('1 hour', time) AS bucket, avg(value), min(value), max(value) FROM telemetry WHERE device = '\(firstDevice)' AND metric = 'temperature' AND time >= \(from) AND time < \(to) GROUP BY bucket",
                      sqlite: "SELECT time / 3600000 * 3600000 AS bucket, avg(value), min(value), max(value) FROM rows WHERE device = '\(firstDevice)' AND metric = 'temperature' AND time >= \(from) AND time < \(to) GROUP BY bucket",
                      duckdb: "SELECT time // 3600000 * 3600000 AS bucket, avg(value), min(value), max(value) FROM rows WHERE device = '\(firstDevice)' AND metric = 'temperature' AND time >= \(from) AND time < \(to) GROUP BY bucket"),
            QuerySpec(name: "daily max per device, everything",
                      lorikeet: "SELECT time_bucket('1 day', time) AS day, device, max(value) FROM telemetry WHERE metric = 'temperature' GROUP BY day, device",
                      sqlite: "SELECT time / 86400000 AS day, device, max(value) FROM rows WHERE metric = 'temperature' GROUP BY day, device",
                      duckdb: "SELECT time // 86400000 AS day, device, max(value) FROM rows WHERE metric = 'temperature' GROUP BY day, device"),
            QuerySpec(name: "last value of every metric of every device",
                      lorikeet: "SELECT device, metric, last(value, time) FROM telemetry GROUP BY device, metric",
                      sqlite: "SELECT device, metric, max(time), value FROM rows GROUP BY device, metric",
                      duckdb: "SELECT device, metric, arg_max(value, time) FROM rows GROUP BY device, metric"),
            QuerySpec(name: "per-device count of temperature > 30",
                      lorikeet: "SELECT device, count(*) FROM telemetry WHERE metric = 'temperature' AND value > 30 GROUP BY device",
                      sqlite: "SELECT device, count(*) FROM rows WHERE metric = 'temperature' AND value > 30 GROUP BY device",
                      duckdb: "SELECT device, count(*) FROM rows WHERE metric = 'temperature' AND value > 30 GROUP BY device"),
            QuerySpec(name: "count and avg of rssi, everything",
                      lorikeet: "SELECT count(*), avg(value) FROM telemetry WHERE metric = 'rssi'",
                      sqlite: "SELECT count(*), avg(value) FROM rows WHERE metric = 'rssi'",
                      duckdb: "SELECT count(*), avg(value) FROM rows WHERE metric = 'rssi'"),
        ]
    }

    static func median(_ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<5 {
            let t = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
        }
        return times.sorted()[2]
    }

    static func fileBytes(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) ?? 0
    }

    public func run(workDirectory: String?, print: (String) -> Void) throws {
        let dir = workDirectory ?? NSTemporaryDirectory() + "lorikeet-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if workDirectory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let clock = ContinuousClock()
        print("generating \(devices) devices × \(days) days …")
        let points = generate()
        let n = Double(points.count)
        print("points: \(points.count)")

        // Lorikeet: ingest into the hot table, then compact.
        var configuration = TelemetryStoreConfiguration()
        configuration.chunkWindowMillis = chunkWindowMillis
        let store = try TelemetryStore(dataDirectory: dir + "/lorikeet", configuration: configuration)
        print("chunk window: \(Double(chunkWindowMillis) / 3_600_000) h")
        let ingest = try clock.measure {
            var i = 0
            while i < points.count {
                try store.write(points[i..<min(points.count, i + 100_000)])
                i += 100_000
            }
        }
        let compaction = try clock.measure { try store.compact() }
        let lorikeetPath = store.path
        // Compaction leaves the pages of the emptied hot table free: VACUUM, then fold the WAL
        // back into the file, and count the file and what is left of its WAL.
        let lconn = try Connection(path: lorikeetPath)
        try lconn.execute("VACUUM")
        try lconn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let lorikeetBytes = Self.fileBytes(lorikeetPath) + Self.fileBytes(lorikeetPath + "-wal")

        // Plain SQLite row table with an index.
        let sqlitePath = dir + "/rows.sqlite"
        let sdb = try Connection(path: sqlitePath)
        try sdb.enableWAL()
        try sdb.execute("CREATE TABLE rows(time INTEGER NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL); CREATE INDEX rows_dmt ON rows(device, metric, time);")
        let sqliteIngest = try clock.measure {
            var i = 0
            let insert = try sdb.prepare("INSERT INTO rows VALUES (?, ?, ?, ?)")
            while i < points.count {
                try sdb.transaction {
                    for p in points[i..<min(points.count, i + 100_000)] {
                        insert.bind(1, p.time); insert.bind(2, p.device); insert.bind(3, p.metric); insert.bind(4, p.value)
                        try insert.step()
                        insert.reset()
                    }
                }
                i += 100_000
            }
        }
        try sdb.execute("ANALYZE")
        try sdb.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let sqliteBytes = Self.fileBytes(sqlitePath) + Self.fileBytes(sqlitePath + "-wal")

        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let lorikeetRate = n / seconds(ingest)
        let sqliteRate = n / seconds(sqliteIngest)
        print("")
        print("| measure | Lorikeet | SQLite rows+index | ratio |")
        print("|---|---|---|---|")
        print(String(format: "| ingest (points/s, hot table, committed) | %.0f | %.0f | %.2f× |", lorikeetRate, sqliteRate, lorikeetRate / sqliteRate))
        print(String(format: "| compaction (points/s) | %.0f | – | – |", n / seconds(compaction)))
        print(String(format: "| bytes per point on disk | %.2f | %.2f | %.1f× smaller |", Double(lorikeetBytes) / n, Double(sqliteBytes) / n, Double(sqliteBytes) / Double(lorikeetBytes)))

        let engine = try AnalyticsEngine(dataDirectory: dir + "/lorikeet", configuration: configuration)
        let specs = queries(firstDevice: points.first?.device ?? "")
        var lorikeetTimes: [Double] = [], sqliteTimes: [Double] = [], paths: [String] = []
        for q in specs {
            var path = ""
            lorikeetTimes.append(try Self.median { path = try engine.query(q.lorikeet, now: start).path })
            paths.append(path)
            let stmt = try sdb.prepare(q.sqlite)
            sqliteTimes.append(try Self.median { _ = try stmt.rows() })
        }

        var duck: (rate: Double, bytesPerPoint: Double, times: [Double])?
        if includeDuckDB { duck = try runDuckDB(points: points, dir: dir, specs: specs, print: print) }

        print("")
        print("| query (median of 5, ms) | Lorikeet | path | SQLite | Lorikeet speed-up | DuckDB | vs DuckDB |")
        print("|---|---|---|---|---|---|---|")
        for (i, q) in specs.enumerated() {
            let d = duck.map { String(format: "%.1f", $0.times[i]) } ?? "–"
            let r = duck.map { String(format: "%.1f×", $0.times[i] / lorikeetTimes[i]) } ?? "–"
            print(String(format: "| %@ | %.1f | %@ | %.1f | %.1f× | %@ | %@ |", q.name, lorikeetTimes[i], paths[i], sqliteTimes[i], sqliteTimes[i] / lorikeetTimes[i], d, r))
        }
        if let duck {
            print("")
            print(String(format: "DuckDB: import %.0f points/s (CSV read_csv into a table; Lorikeet/DuckDB %.2f×), %.2f bytes per point (DuckDB/Lorikeet %.1f×)",
                         duck.rate, lorikeetRate / duck.rate, duck.bytesPerPoint, duck.bytesPerPoint / (Double(lorikeetBytes) / n)))
        }
    }

    func runDuckDB(points: [TelemetryPoint], dir: String, specs: [QuerySpec], print: (String) -> Void) throws -> (rate: Double, bytesPerPoint: Double, times: [Double])? {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import duckdb"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return nil }
        check.waitUntilExit()
        guard check.terminationStatus == 0 else { print("(DuckDB not installed: pip install duckdb)"); return nil }
        let csv = dir + "/points.csv"
        FileManager.default.createFile(atPath: csv, contents: nil)
        guard let h = FileHandle(forWritingAtPath: csv) else { return nil }
        var buf = "time,device,metric,value\n"
        for p in points {
            buf += "\(p.time),\(p.device),\(p.metric),\(p.value)\n"
            if buf.utf8.count > 1 << 20 { h.write(Data(buf.utf8)); buf = "" }
        }
        h.write(Data(buf.utf8))
        try h.close()
        let script = """
        import duckdb, json, os, sys, time, statistics
        db = sys.argv[1]; csv = sys.argv[2]; queries = json.loads(sys.argv[3])
        con = duckdb.connect(db)
        con.execute("SET enable_progress_bar=false")
        t = time.perf_counter()
        con.execute("CREATE TABLE rows AS SELECT * FROM read_csv(?, header=true, columns={'time':'BIGINT','device':'VARCHAR','metric':'VARCHAR','value':'DOUBLE'})", [csv])
        con.execute("CHECKPOINT")
        load = time.perf_counter() - t
        n = con.execute("SELECT count(*) FROM rows").fetchone()[0]
        con.close()
        size = os.path.getsize(db)
        con = duckdb.connect(db, read_only=True)
        con.execute("SET enable_progress_bar=false")
        out = []
        for q in queries:
            ts = []
            for _ in range(5):
                t = time.perf_counter(); con.execute(q).fetchall(); ts.append((time.perf_counter() - t) * 1000)
            out.append(statistics.median(ts))
        print(json.dumps({"rate": n / load, "bpp": size / n, "times": out}))
        """
        let queriesJSON = String(decoding: try JSONSerialization.data(withJSONObject: specs.map(\.duckdb)), as: UTF8.self)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, dir + "/duck.db", csv, queriesJSON]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let lastLine = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard p.terminationStatus == 0,
              let obj = (try? JSONSerialization.jsonObject(with: Data(lastLine.utf8))) as? [String: Any],
              let rate = obj["rate"] as? Double, let bpp = obj["bpp"] as? Double, let times = obj["times"] as? [Double] else {
            print("(DuckDB run failed)")
            return nil
        }
        return (rate, bpp, times)
    }
}
