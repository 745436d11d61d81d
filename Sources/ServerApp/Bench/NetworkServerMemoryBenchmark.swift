import Foundation
import LoRaWAN
public import Logging
import NetworkServer

/// `lorikeet bench ns-memory`: resident memory of the composed server with many provisioned ABP
/// devices whose sessions are all active (in the network server's session cache), after every
/// device has sent uplinks through the real UDP path.
///
/// Datagrams are built as they are sent (not beforehand), so the bench's own memory stays small;
/// the figures are the process's `VmRSS` and `VmHWM` from /proc/self/status, which include the
/// bench gateway, the SQLite page caches and the Swift runtime.
public enum NetworkServerMemoryBenchmark {
    public struct Report: Sendable {
        public var devices: Int
        public var uplinksSent: Int
        public var uplinksProcessed: Int
        public var rssStartKiB: Int
        public var rssProvisionedKiB: Int
        public var rssEndKiB: Int
        public var hwmKiB: Int
        public var provisionSeconds: Double
    }

    /// Reads a `Vm…` line of /proc/self/status in KiB (0 when unavailable).
    public static func status(_ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") ?? 0
        }
        return 0
    }

    public static func run(devices: Int, uplinksPerDevice: Int, rate: Int, logger: Logger,
                           progress: @escaping @Sendable (String) -> Void) async throws -> Report {
        let rssStart = status("VmRSS")
        let (app, dir) = try await NetworkServerBenchmark.makeServer(logger: logger, windowMillis: 200)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t0 = monotonicNanos()
        try await NetworkServerBenchmark.provision(app, devices: devices, windowMillis: 200)
        let provisionSeconds = Double(monotonicNanos() - t0) / 1e9
        let rssProvisioned = status("VmRSS")
        progress(String(format: "  provisioned %d ABP devices with sessions in %.1f s; VmRSS %d MiB", devices, provisionSeconds, rssProvisioned / 1024))

        let published = CountBox()
        let upEvents = try app.broker.bus.subscribe(filter: "application/+/device/+/event/up", includeRetained: false, bufferSize: 1 << 20)
        let counting = Task { for await _ in upEvents { published.add(1) } }
        let serverTask = Task { try await app.run() }
        defer { serverTask.cancel(); counting.cancel() }
        let gateway = try await BenchGateway(target: try await app.bridge.boundAddress)
        defer { gateway.close() }
        var generator = NetworkServerBenchmark.Generator(devices: devices)
        let ns = app.networkServer
        let total = devices * uplinksPerDevice
        let before = await ns.acceptedDataCount
        let chunk = max(1, rate / 2)
        var sent = 0
        while sent < total {
            let n = min(chunk, total - sent)
            let datagrams = try (0..<n).map { _ in try generator.datagram(confirmed: false).bytes }
            _ = try await gateway.blast(datagrams, rate: rate, drainTimeout: 0) { (0, 0) }
            sent += n
            if sent % (chunk * 20) == 0 || sent == total {
                progress(String(format: "  %d uplinks sent; VmRSS %d MiB", sent, status("VmRSS") / 1024))
            }
        }
        // Wait for the last windows, commits and events (bounded).
        var lastChange = monotonicNanos()
        var last = -1
        while true {
            let a = await ns.acceptedDataCount - before
            let p = published.value
            if min(a, p) != last { last = min(a, p); lastChange = monotonicNanos() }
            if last >= total || monotonicNanos() - lastChange > 3_000_000_000 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let report = Report(devices: devices, uplinksSent: total, uplinksProcessed: last, rssStartKiB: rssStart,
                            rssProvisionedKiB: rssProvisioned, rssEndKiB: status("VmRSS"), hwmKiB: status("VmHWM"),
                            provisionSeconds: provisionSeconds)
        serverTask.cancel()
        _ = await serverTask.result
        return report
    }
}
