import Foundation
import SQLite
import Testing
@testable import TelemetryStore
import TimeSeries

func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "lorikeet-store-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func allPoints(_ store: TelemetryStore, device: String, metric: String) throws -> [Point] {
    let db = try Connection(path: store.path, readOnly: true)
    let reader = TelemetryReader(connection: db, chunkWindowMillis: store.configuration.chunkWindowMillis)
    guard let s = try reader.series(devices: [device], metrics: [metric]).first else { return [] }
    let hot = try reader.hotPoints(series: [s.id], from: .min, to: .max)[s.id] ?? []
    return try reader.points(series: s.id, from: .min, to: .max, hot: hot)
}

@Suite struct TelemetryStoreTests {
    let day: Int64 = 86_400_000
    let t0: Int64 = 1_767_225_600_000 // 2026-01-01T00:00:00Z

    @Test func pointsSurviveCompactionUnchanged() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir)
        var points: [TelemetryPoint] = []
        for i in 0..<2000 {
            let time: Int64 = t0 + Int64(i) * 600_000 + Int64(i % 7)
            points.append(TelemetryPoint(device: "d1", metric: "temp", time: time, value: Double(200 + i % 17) / 10))
        }
        try store.write(points)
        let before = try allPoints(store, device: "d1", metric: "temp")
        #expect(before.count == 2000)
        let report = try store.compact()
        #expect(report.rowsMoved == 2000)
        #expect(report.chunksWritten == 14) // 2000 × 10 min ≈ 13.9 days
        #expect(try store.hotRowCount() == 0)
        #expect(try allPoints(store, device: "d1", metric: "temp") == before)
    }

    @Test func duplicatesKeepTheLatestAndLatePointsMergeIntoChunks() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir, configuration: { var c = TelemetryStoreConfiguration(); c.compactionBatchRows = 3; return c }())
        try store.write([TelemetryPoint(device: "d", metric: "m", time: t0 + 1000, value: 1),
                         TelemetryPoint(device: "d", metric: "m", time: t0 + 3000, value: 3)])
        try store.compact()
        // A duplicate of a compacted point, in the hot table: the reader already sees the new value.
        try store.write([TelemetryPoint(device: "d", metric: "m", time: t0 + 3000, value: 30)])
        #expect(try allPoints(store, device: "d", metric: "m").map(\.value) == [1, 30])
        // A late point and two writes of one time within the hot table: the last write wins.
        try store.write([TelemetryPoint(device: "d", metric: "m", time: t0 + 2000, value: 2),
                         TelemetryPoint(device: "d", metric: "m", time: t0 + 1000, value: 10),
                         TelemetryPoint(device: "d", metric: "m", time: t0 + 1000, value: 11)])
        #expect(try allPoints(store, device: "d", metric: "m").map(\.value) == [11, 2, 30])
        let report = try store.compact()
        #expect(report.chunksMerged >= 1)
        #expect(try store.hotRowCount() == 0)
        #expect(try allPoints(store, device: "d", metric: "m") == [Point(time: t0 + 1000, value: 11), Point(time: t0 + 2000, value: 2), Point(time: t0 + 3000, value: 30)])
    }

    @Test func retentionDropsOldChunksOfItsApplicationOnly() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir)
        for app in ["short", "long"] {
            try store.write((0..<30).map { TelemetryPoint(device: app, metric: "m", time: t0 + Int64($0) * day, value: Double($0)) }, application: app)
        }
        try store.compact()
        try store.setRetention(application: "short", days: 7)
        let dropped = try store.applyRetention(now: t0 + 30 * day)
        #expect(dropped == 23) // the chunks of days 0…22 end before the cut-off at day 23
        #expect(try allPoints(store, device: "short", metric: "m").map(\.value) == (23..<30).map(Double.init))
        #expect(try allPoints(store, device: "long", metric: "m").count == 30)
    }

    @Test func ingestContinuesWhileCompacting() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir, configuration: { var c = TelemetryStoreConfiguration(); c.compactionBatchRows = 1000; return c }())
        let t0 = self.t0
        async let writer: Void = {
            for batch in 0..<50 {
                try store.write((0..<200).map { TelemetryPoint(device: "d\($0 % 5)", metric: "m", time: t0 + Int64(batch * 200 + $0) * 1000, value: Double($0)) })
            }
        }()
        async let compactor: Void = {
            for _ in 0..<20 { try store.compact() }
        }()
        try await writer
        try await compactor
        try store.compact()
        var total = 0
        for d in 0..<5 { total += try allPoints(store, device: "d\(d)", metric: "m").count }
        #expect(total == 10_000)
    }

    @Test func aCorruptChunkIsATypedError() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir)
        try store.write([TelemetryPoint(device: "d", metric: "m", time: t0, value: 1)])
        try store.compact()
        let db = try Connection(path: store.path)
        try db.execute("UPDATE chunks SET data = x'28b52ffd0000'")
        #expect(throws: TelemetryStoreError.self) { try allPoints(store, device: "d", metric: "m") }
        try db.execute("UPDATE chunks SET data = x'00'")
        #expect(throws: TelemetryStoreError.self) { try allPoints(store, device: "d", metric: "m") }
    }

    @Test func metricsOfOneUplinkShareATimeColumn() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir)
        var points: [TelemetryPoint] = []
        for i in 0..<100 {
            for metric in ["temp", "hum", "rssi"] {
                points.append(TelemetryPoint(device: "d", metric: metric, time: t0 + Int64(i) * 600_000 + Int64(i * 37 % 1000), value: Double(i)))
            }
        }
        try store.write(points)
        try store.compact()
        let db = try Connection(path: store.path)
        func count(_ sql: String) throws -> Int64 {
            if case let .integer(n)? = try db.prepare(sql).rows().first?.first { return n }
            return -1
        }
        #expect(try count("SELECT count(*) FROM time_columns") == 1)
        #expect(try count("SELECT count(*) FROM chunks WHERE times IS NOT NULL") == 3)
        // A late point in one metric: its chunk leaves the shared column, the others keep it.
        try store.write([TelemetryPoint(device: "d", metric: "temp", time: t0 + 1, value: -1)])
        try store.compact()
        #expect(try count("SELECT count(*) FROM chunks WHERE times IS NOT NULL") == 2)
        #expect(try allPoints(store, device: "d", metric: "temp").count == 101)
        #expect(try allPoints(store, device: "d", metric: "hum").map(\.value) == (0..<100).map(Double.init))
        // The same late point in the other metrics: they share a new column, the old one is collected.
        try store.write([TelemetryPoint(device: "d", metric: "hum", time: t0 + 1, value: -1), TelemetryPoint(device: "d", metric: "rssi", time: t0 + 1, value: -1)])
        try store.compact()
        #expect(try count("SELECT count(*) FROM time_columns") == 1)
        #expect(try count("SELECT count(*) FROM chunks WHERE times IS NOT NULL") == 2)
        #expect(try Array(allPoints(store, device: "d", metric: "rssi").prefix(2)) == [Point(time: t0, value: 0), Point(time: t0 + 1, value: -1)])
    }

    @Test func csvRowsParseOrSayWhy() throws {
        #expect(try TelemetryCSV.parseRow("2026-01-01T00:00:00Z,dev-1,temp,21.5") == TelemetryPoint(device: "dev-1", metric: "temp", time: t0, value: 21.5))
        #expect(try TelemetryCSV.parseRow("1767225600000,\"dev,1\",temp,-3") == TelemetryPoint(device: "dev,1", metric: "temp", time: t0, value: -3))
        for bad in ["", "x,d,m,1", "1,d,m", "1,d,m,abc", "1,,m,1", "1,d,m,1,extra", "1,d,m,nan", "\"1,d,m,1"] {
            #expect(throws: TelemetryStoreError.self) { try TelemetryCSV.parseRow(bad) }
        }
    }
}

@Suite struct HotBatchTests {
    @Test func roundTripsAndRejectsCorruptRows() throws {
        var entries: [HotBatch.Entry] = []
        for i in 0..<50 {
            let time: Int64 = Int64(i) * 1000 - 30_000
            entries.append(HotBatch.Entry(series: Int64(i % 7 + 1), point: Point(time: time, value: Double(i) / 3)))
        }
        let blob = HotBatch.encode(entries)
        var decoded: [HotBatch.Entry] = []
        try blob.withUnsafeBytes { raw in try HotBatch.decode(raw, rowID: 1) { decoded.append(HotBatch.Entry(series: $0, point: $1)) } }
        #expect(decoded.map(\.series) == entries.map(\.series))
        #expect(decoded.map(\.point) == entries.map(\.point))
        for length in 0..<blob.count {
            #expect(throws: TelemetryStoreError.self) {
                try Array(blob.prefix(length)).withUnsafeBytes { raw in try HotBatch.decode(raw, rowID: 1) { _, _ in } }
            }
        }
        #expect(throws: TelemetryStoreError.self) {
            try [0xFF, 0xFF, 0xFF, 0x0F, 1].withUnsafeBytes { (raw: UnsafeRawBufferPointer) in try HotBatch.decode(raw, rowID: 1) { _, _ in } }
        }
    }
}

@Suite struct ImporterTests {
    @Test func keepsGoodRowsAndReportsBadOnesWithLineNumbers() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/in.csv"
        let csv = "\u{FEFF}time,device,metric,value\r\n2026-01-01T00:00:00Z,a,t,1\r\nbad,a,t,2\n\n1767225660000,a,t,3"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
        let store = try TelemetryStore(dataDirectory: dir)
        var acks: [Int] = []
        var importer = TelemetryImporter()
        importer.batchRows = 1
        let report = try importer.importCSV(path: file, into: store, acknowledged: { acks.append($0) })
        #expect(report.imported == 2)
        #expect(report.badRowCount == 1)
        #expect(report.badRows.first?.line == 3)
        #expect(acks == [1, 2])
        #expect(try allPoints(store, device: "a", metric: "t").map(\.value) == [1, 3])
    }

    @Test func refusesAMissingHeaderAndEndlessLines() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir)
        let noHeader = dir + "/a.csv"
        try Data("2026-01-01T00:00:00Z,a,t,1\n".utf8).write(to: URL(fileURLWithPath: noHeader))
        #expect(throws: TelemetryStoreError.self) { try TelemetryImporter().importCSV(path: noHeader, into: store) }
        let endless = dir + "/b.csv"
        try Data(("time,device,metric,value\n" + String(repeating: "x", count: 3000)).utf8).write(to: URL(fileURLWithPath: endless))
        var importer = TelemetryImporter()
        importer.maxLineBytes = 1000
        #expect(throws: TelemetryStoreError.self) { try importer.importCSV(path: endless, into: store) }
    }
}

@Suite struct ChunkCodecStorageTests {
    @Test func storesBlobsRawWhenZstdDoesNotHelpAndReadsBoth() throws {
        // Two points: the frame would be larger than the blob.
        let few = [Point(time: 1, value: 2.5), Point(time: 2, value: 2.6)]
        let packed = try ChunkCodec.encode(few)
        #expect(packed.first == 1)
        #expect(try packed.withUnsafeBytes { try ChunkCodec.decode(compressed: $0) } == few)
        // Many regular points compress: stored as a zstd frame.
        let many = (0..<2000).map { Point(time: Int64($0) * 60_000, value: 20) }
        let frame = try ChunkCodec.encode(many)
        #expect(Array(frame.prefix(4)) == Zstd.magic)
        #expect(try frame.withUnsafeBytes { try ChunkCodec.decode(compressed: $0) } == many)
    }
}

@Suite struct ExporterTests {
    @Test func exportThenImportRoundTrips() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir + "/a")
        var points: [TelemetryPoint] = []
        for i in 0..<500 {
            points.append(TelemetryPoint(device: i % 2 == 0 ? "plain" : "with,comma \"q\"", metric: "m\(i % 3)",
                                         time: 1_767_225_600_000 + Int64(i) * 61_234, value: Double(i) / 8))
        }
        try store.write(points)
        try store.compact()
        try store.write([TelemetryPoint(device: "plain", metric: "m0", time: 1, value: -0.1)])
        var csv = ""
        let n = try TelemetryExporter().exportCSV(from: store.path) { csv += $0 }
        #expect(n == 501)
        let file = dir + "/out.csv"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
        let copy = try TelemetryStore(dataDirectory: dir + "/b")
        let report = try TelemetryImporter().importCSV(path: file, into: copy)
        #expect(report.imported == 501 && report.badRowCount == 0)
        for device in ["plain", "with,comma \"q\""] {
            for m in 0..<3 {
                #expect(try allPoints(copy, device: device, metric: "m\(m)") == (try allPoints(store, device: device, metric: "m\(m)")))
            }
        }
        // A range and a device filter.
        var part = ""
        let k = try TelemetryExporter().exportCSV(from: store.path, devices: ["plain"], range: 0...1_767_225_600_000) { part += $0 }
        #expect(k == 2)
        #expect(part == "time,device,metric,value\n1970-01-01T00:00:00.001Z,plain,m0,-0.1\n2026-01-01T00:00:00.000Z,plain,m0,0.0\n")
    }
}
