import Foundation
import Testing
@testable import TelemetryStore

@Suite struct CompactionInBackgroundTests {
    let t0: Int64 = 1_767_225_600_000 // 2026-01-01T00:00:00Z

    @Test("compaction in the background moves every hot point and applies retention")
    func compactsAndAppliesRetention() async throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try TelemetryStore(dataDirectory: dir)
        let day: Int64 = 86_400_000
        // Two days of points for "old" (retention 1 day), and recent ones for "new".
        try store.write((0..<200).map { TelemetryPoint(device: "d1", metric: "temp", time: t0 + Int64($0) * 864_000, value: Double($0)) },
                       application: "old")
        try store.write((0..<50).map { TelemetryPoint(device: "d2", metric: "hum", time: t0 + 10 * day + Int64($0), value: 1) },
                       application: "new")
        try store.setRetention(application: "old", days: 1)
        let (report, retention) = await store.compactInBackground(now: t0 + 10 * day)
        #expect(try report.get().rowsMoved == 250)
        #expect(try retention.get() == 2)   // both of "old"'s daily chunks are older than a day
        #expect(try store.hotRowCount() == 0)
        #expect(try allPoints(store, device: "d1", metric: "temp").isEmpty)
        #expect(try allPoints(store, device: "d2", metric: "hum").count == 50)
    }

    @Test("the work runs on another thread, named, at a lower priority")
    func runsOnItsOwnThread() async {
        #if os(Linux)
        let caller = TelemetryStore.currentThreadID()
        let seen = await TelemetryStore.onCompactionThread { () -> (id_t?, String, Int32) in
            let tid = TelemetryStore.currentThreadID()
            errno = 0
            let nice = tid.map { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), $0) } ?? -100
            return (tid, TelemetryStore.currentThreadName() ?? "", nice)
        }
        #expect(caller != nil && seen.0 != nil && seen.0 != caller)
        #expect(seen.1 == TelemetryStore.compactionThreadName)
        #expect(seen.2 >= TelemetryStore.compactionNice)
        #else
        let value = await TelemetryStore.onCompactionThread { 42 }
        #expect(value == 42)
        #endif
    }
}
