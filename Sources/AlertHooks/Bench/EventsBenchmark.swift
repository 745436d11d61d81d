import AlertStore
import Events
import Foundation
import SQLite

/// `lorikeet events bench`: detector throughput against a hand-written baseline, alert-store
/// writes against a plain SQLite insert, and the latency from ingest to webhook received.
public enum EventsBenchmark {
    /// Runs every part and returns the report lines.
    public static func run(samples: Int = 1_000_000, alerts: Int = 2000, rate: Int = 1000, workDirectory: String) async throws -> [String] {
        var out: [String] = []
        out += try detectorThroughput(samples: samples)
        out += try storeWrites(count: 20_000, directory: workDirectory)
        out += try await webhookLatency(alerts: alerts, rate: rate, directory: workDirectory)
        return out
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func fmt(_ v: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", v) }

    /// The same threshold detector, run by the engine and by a hand-written loop over a dictionary.
    static func detectorThroughput(samples n: Int) throws -> [String] {
        let devices = 1000
        var values: [Sample] = []
        values.reserveCapacity(n)
        var x: UInt64 = 88_172_645_463_325_252
        for i in 0..<n {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            values.append(Sample(time: Int64(i) * 10, device: "dev\(i % devices)", metric: "temperature",
                                 value: -20 + Double(x % 1000) / 100))
        }
        let threshold = ThresholdParameters(metric: "temperature", direction: .above, threshold: -15, durationSeconds: 60, hysteresis: 1)
        var engine = try DetectorEngine(definitions: [DetectorDefinition(id: "warm", kind: .threshold(threshold))])
        let clock = ContinuousClock()
        var fires = 0
        let engineTime = clock.measure {
            for s in values { fires &+= engine.observe(s).count }
        }
        // Baseline: the same state machine written inline over [device: state].
        var states: [String: (pending: Int64?, firing: Bool)] = [:]
        var baseFires = 0
        let baseTime = clock.measure {
            for s in values {
                var st = states[s.device] ?? (nil, false)
                if st.firing {
                    if s.value <= -16 { st.firing = false; baseFires &+= 1 }
                } else if s.value > -15 {
                    if let p = st.pending {
                        if s.time - p >= 60_000 { st.firing = true; st.pending = nil; baseFires &+= 1 }
                    } else { st.pending = s.time }
                } else { st.pending = nil }
                states[s.device] = st
            }
        }
        // All five kinds at once.
        let all = try DetectorDefinition.decodeList(from: Data(#"""
        [{"id": "t", "threshold": {"metric": "temperature", "direction": "above", "threshold": -15, "durationSeconds": 60, "hysteresis": 1}},
         {"id": "a", "absence": {"intervalMultiple": 3}},
         {"id": "r", "rateOfChange": {"metric": "temperature", "windowSeconds": 600, "per": "minute", "direction": "above", "threshold": 5}},
         {"id": "z", "anomaly": {"metric": "temperature", "method": "zscore", "windowSize": 60, "threshold": 4}},
         {"id": "s", "stateMachine": {"initialState": "ok", "states": [
            {"name": "ok", "transitions": [{"to": "hot", "when": "temperature > -11"}]},
            {"name": "hot", "onEnter": [{"alert": {"message": "hot"}}], "transitions": [{"to": "ok", "when": "temperature < -12", "actions": [{"resolve": {}}]}]}]}}]
        """#.utf8))
        var full = try DetectorEngine(definitions: all)
        let slice = values.prefix(max(n / 10, 1))
        var fullOut = 0
        let fullTime = clock.measure {
            for s in slice {
                fullOut &+= full.tick(now: s.time).count
                fullOut &+= full.observe(s).count
            }
        }
        // Saving and restoring the state of all five kinds (what `serve` does every 5 s and at start).
        var stateBytes = 0
        var encoded: [(String, [UInt8])] = []
        let saveTime = try clock.measure {
            for r in full.stateRecords(savedAt: 0) { encoded.append((r.detector, try r.encoded())) }
        }
        for e in encoded { stateBytes += e.1.count }
        var restored = try DetectorEngine(definitions: all)
        var notes: [String] = []
        let restoreTime = try clock.measure {
            notes = restored.restore(try encoded.map { try DetectorStateRecord.decode($0.1, detector: $0.0) })
        }
        let engineRate = Double(n) / seconds(engineTime)
        let baseRate = Double(n) / seconds(baseTime)
        return [
            "detectors: state of \(full.instanceCount) instances (five kinds, \(devices) devices): encode \(fmt(seconds(saveTime) * 1000, 1)) ms, \(stateBytes / 1024) KiB; decode + restore \(fmt(seconds(restoreTime) * 1000, 1)) ms (\(restored.instanceCount) restored, \(notes.count) skipped)",
            "detectors: threshold, \(n) samples over \(devices) devices: \(fmt(engineRate / 1e6)) M samples/s (engine) vs \(fmt(baseRate / 1e6)) M samples/s (hand-written loop), ratio \(fmt(engineRate / baseRate)) [fires \(fires) vs \(baseFires)]",
            "detectors: all five kinds + tick per sample, \(slice.count) samples: \(fmt(Double(slice.count) / seconds(fullTime) / 1e3, 1)) k samples/s (\(fullOut) actions)",
        ]
    }

    /// Recording fired transitions (alert upsert + one outbox row, one transaction each) against a
    /// plain SQLite table with one insert per transaction, both WAL + synchronous=NORMAL.
    static func storeWrites(count n: Int, directory: String) throws -> [String] {
        let path = (directory as NSString).appendingPathComponent("bench-events.sqlite")
        let plainPath = (directory as NSString).appendingPathComponent("bench-plain.sqlite")
        for p in [path, plainPath] { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: p + suffix) } }
        let store = try AlertStore(path: path)
        let clock = ContinuousClock()
        let storeTime = try clock.measure {
            for i in 0..<n {
                let alert = Alert(id: "d:dev\(i):\(i)", detectorID: "d", detectorType: "threshold", device: "dev\(i)", severity: .warning,
                                  state: .firing, message: "temperature -12 above -15 for 600 s", value: -12, firedAt: Int64(i),
                                  updatedAt: Int64(i), fireCount: 1)
                try store.record([AlertTransition(.fired, alert)], hookIDs: ["webhook"], now: Int64(i))
            }
        }
        let plain = try Connection(path: plainPath)
        try plain.enableWAL()
        try plain.execute("CREATE TABLE t(id TEXT PRIMARY KEY, device TEXT, message TEXT, value REAL, time INTEGER)")
        let insert = try plain.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
        let plainTime = try clock.measure {
            for i in 0..<n {
                try plain.transaction {
                    try insert.run([.text("d:dev\(i):\(i)"), .text("dev\(i)"), .text("temperature -12 above -15 for 600 s"), .real(-12), .integer(Int64(i))])
                }
            }
        }
        let a = Double(n) / seconds(storeTime)
        let b = Double(n) / seconds(plainTime)
        return ["store: \(n) fired transitions, one transaction each: \(fmt(a / 1e3, 1)) k/s (alert + outbox) vs \(fmt(b / 1e3, 1)) k/s (plain one-row insert), ratio \(fmt(a / b))"]
    }

    /// Ingest → webhook received, paced at `rate` samples/s, every sample a transition
    /// (devices alternate above and below a zero-duration threshold).
    static func webhookLatency(alerts n: Int, rate: Int, directory: String) async throws -> [String] {
        let receiver = try BenchReceiver()
        defer { receiver.stop() }
        let dataDir = (directory as NSString).appendingPathComponent("bench-data-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        guard let url = URL(string: "http://127.0.0.1:\(receiver.port)/hook") else { return [] }
        let hook = try WebhookHook(url: url, secret: "bench-secret")
        let defs = [DetectorDefinition(id: "warm", kind: .threshold(ThresholdParameters(metric: "temperature", direction: .above, threshold: 0)))]
        let service = try EventsService(dataDirectory: dataDir, definitions: defs, hooks: [hook])
        let loop = Task { await service.runDelivery() }
        defer { loop.cancel() }
        let devices = 100
        var sent: [(key: String, at: ContinuousClock.Instant)] = []
        let clock = ContinuousClock()
        let start = clock.now
        let interval = Duration.seconds(1) / rate
        for i in 0..<n {
            try? await Task.sleep(until: start + interval * i, clock: clock)
            let round = i / devices
            let value: Double = round % 2 == 0 ? 1 : -1
            let t0 = clock.now
            let transitions = try await service.ingest(Sample(time: Int64(i), device: "dev\(i % devices)", metric: "temperature", value: value))
            for t in transitions where t.transition.notifiesHooks { sent.append((t.idempotencyKey, t0)) }
        }
        let ingestEnd = clock.now
        // Wait (at most a minute) for every transition to reach the receiver.
        let expected = sent.count
        let giveUp = clock.now + .seconds(60)
        while receiver.count < expected, clock.now < giveUp {
            try? await Task.sleep(for: .milliseconds(5))
        }
        var latencies: [Double] = []
        for s in sent {
            if let a = receiver.arrival(s.key) { latencies.append(seconds(a - s.at) * 1000) }
        }
        latencies.sort()
        func pct(_ p: Double) -> Double {
            latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        let achieved = Double(n) / seconds(ingestEnd - start)
        return [
            "webhook: \(sent.count) alert transitions at \(fmt(achieved, 0))/s offered (\(rate)/s target), \(latencies.count) received; ingest→received p50 \(fmt(pct(0.5))) ms, p99 \(fmt(pct(0.99))) ms, max \(fmt(latencies.last ?? .nan)) ms",
        ]
    }
}
