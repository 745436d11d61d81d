import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension TelemetryStore {
    /// The name of the thread compaction runs on (Linux allows 15 bytes).
    static let compactionThreadName = "lk-compaction"
    /// The nice increment of that thread (Linux: per thread), so the ingest path keeps its cores.
    static let compactionNice: Int32 = 10

    /// Runs `compact()` and then `applyRetention(now:)` on a thread of their own, at a lower
    /// priority, and returns when both are done.
    ///
    /// Compaction reads, merges and zstd-compresses every hot point: seconds of CPU after a
    /// 5-minute interval at thousands of uplinks per second. Run inline it would hold one of the
    /// Swift concurrency pool's threads (two on a 2-core machine) that whole time and stall the
    /// uplink pipeline; on its own thread it only competes for CPU, at a lower priority.
    public func compactInBackground(now: Int64) async -> (report: Result<CompactionReport, TelemetryStoreError>,
                                                           retention: Result<Int, TelemetryStoreError>) {
        await Self.onCompactionThread {
            let report = Result { () throws(TelemetryStoreError) in try self.compact() }
            let retention = Result { () throws(TelemetryStoreError) in try self.applyRetention(now: now) }
            return (report, retention)
        }
    }

    /// Runs `body` on a new, lower-priority thread outside the concurrency pool.
    static func onCompactionThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let thread = Thread {
                #if os(Linux)
                // A new thread inherits its creator's name; name it for `top -H` and perf. Linux
                // applies a nice value to one thread when given its thread id.
                setCurrentThreadName(compactionThreadName)
                if let tid = currentThreadID() { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), tid, compactionNice) }
                #endif
                continuation.resume(returning: body())
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    #if os(Linux)
    /// Names the calling thread through `/proc/thread-self/comm` (Glibc's `pthread_setname_np` is
    /// not visible to Swift here).
    static func setCurrentThreadName(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        defer { Glibc.close(fd) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    /// The calling thread's name (`/proc/thread-self/comm`).
    static func currentThreadName() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .newlines)
    }

    /// The kernel's id of the calling thread, from the `/proc/thread-self` link
    /// (`<pid>/task/<tid>`); Glibc's `gettid` is not visible to Swift here.
    static func currentThreadID() -> id_t? {
        var buffer = [CChar](repeating: 0, count: 64)
        let n = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let target = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let last = target.split(separator: "/").last else { return nil }
        return id_t(last)
    }
    #endif
}
