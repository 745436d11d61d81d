import ArgumentParser
import Broker
import Foundation
import MQTT

/// `lorikeet bench broker`: the embedded broker against Mosquitto, same load generator, same run.
struct BrokerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "MQTT broker throughput and latency: Lorikeet vs Mosquitto (fan-in, fan-out, QoS 0/1, 64/512 B)."
    )

    @Option(help: "Clients on the many side (publishers for fan-in, subscribers for fan-out).")
    var clients = 100

    @Option(help: "Messages each publisher sends in fan-in.")
    var fanInMessages = 500

    @Option(help: "Messages the single publisher sends in fan-out.")
    var fanOutMessages = 500

    @Option(help: "Path of the mosquitto binary.")
    var mosquitto = "/usr/sbin/mosquitto"

    @Option(help: "Repetitions per scenario and broker (the best run counts).")
    var repeats = 2

    @Option(name: .customLong("broker-threads"), help: "Event-loop threads for the Lorikeet broker (default: one per core).")
    var brokerThreads: Int?

    @Flag(name: .customLong("broker-spread"), help: "Run the Lorikeet broker with --spread-event-loops (connections on every event loop).")
    var brokerSpread = false

    @Option(help: "Run only scenarios whose name contains this text (e.g. \"fan-out\" or \"QoS1 512B\").")
    var only: String?

    @Option(help: "Drive only an already running broker on this 127.0.0.1 port (e.g. one under valgrind), no comparison.")
    var against: Int?

    private var scenarios: [LoadScenario] {
        var list: [LoadScenario] = []
        for shape in [LoadScenario.Shape.fanIn, .fanOut] {
            for qos in [QoS.atMostOnce, .atLeastOnce] {
                for size in [64, 512] {
                    list.append(LoadScenario(shape: shape, clients: clients, qos: qos, payloadSize: size,
                                             messagesPerPublisher: shape == .fanIn ? fanInMessages : fanOutMessages))
                }
            }
        }
        if let only { list = list.filter { $0.description.contains(only) } }
        return list
    }

    func run() async throws {
        let generator = BrokerLoadGenerator(threads: 1)
        if let against {
            for s in scenarios {
                let r = try await generator.run(s, host: "127.0.0.1", port: against)
                print(String(format: "%-25@ | %10.0f msg/s  p50 %7.0f µs  p99 %7.0f µs  delivered %d of %d",
                             s.description as NSString, r.messagesPerSecond, r.p50Microseconds, r.p99Microseconds, r.delivered, r.expected))
                fflush(nil)
            }
            try await generator.shutdown()
            return
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-bench-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }

        // Lorikeet: this same binary, `lorikeet broker`, in its own process like Mosquitto.
        let lorikeetPort = try await generator.freePort()
        let config = tmp.appendingPathComponent("broker.json")
        try #"{"allowAnonymous": true, "maximumQueuedMessages": 100000}"#.write(to: config, atomically: true, encoding: .utf8)
        let lorikeet = try launch(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
                                  ["broker", "--port", "\(lorikeetPort)", "--no-websocket", "--config", config.path, "--log-level", "error"]
                                  + (brokerThreads.map { ["--threads", "\($0)"] } ?? [])
                                  + (brokerSpread ? ["--spread-event-loops"] : []))
        defer { stop(lorikeet) }

        let mosquittoPort = try await generator.freePort()
        let mconf = tmp.appendingPathComponent("mosquitto.conf")
        try """
        listener \(mosquittoPort) 127.0.0.1
        allow_anonymous true
        persistence false
        max_queued_messages 100000
        max_inflight_messages 0
        log_dest none
        """.write(to: mconf, atomically: true, encoding: .utf8)
        let mosq = try launch(mosquitto, ["-c", mconf.path])
        defer { stop(mosq) }

        try await generator.waitForListener(port: lorikeetPort)
        try await generator.waitForListener(port: mosquittoPort)

        // CPU time each broker process spends per delivered message (user + system, from
        // /proc/<pid>/stat) is reported beside throughput: on a shared machine it moves far less
        // between runs than wall-clock throughput does.
        let pids = ["lorikeet": lorikeet.processIdentifier, "mosquitto": mosq.processIdentifier]
        print("scenario             | lorikeet msg/s  p50 µs  p99 µs cpu µs/msg | mosquitto msg/s  p50 µs  p99 µs cpu µs/msg | ratio | cpu ratio")
        var ratios: [Double] = []
        var cpuRatios: [Double] = []
        for s in scenarios {
            var best: [String: LoadResult] = [:]
            var cpu: [String: Double] = [:]
            for _ in 0..<repeats {
                for (name, port) in [("lorikeet", lorikeetPort), ("mosquitto", mosquittoPort)] {
                    let before = Self.cpuSeconds(pid: pids[name] ?? 0)
                    let r = try await generator.run(s, host: "127.0.0.1", port: port)
                    let used = Self.cpuSeconds(pid: pids[name] ?? 0) - before
                    if r.delivered < r.expected {
                        print("  warning: \(name) delivered \(r.delivered) of \(r.expected) in \(s)")
                        fflush(nil)
                    }
                    if best[name].map({ $0.messagesPerSecond < r.messagesPerSecond }) ?? true { best[name] = r }
                    let perMessage = r.delivered > 0 ? used * 1e6 / Double(r.delivered) : .infinity
                    cpu[name] = min(cpu[name] ?? .infinity, perMessage)
                }
            }
            guard let l = best["lorikeet"], let m = best["mosquitto"] else { continue }
            let lc = cpu["lorikeet"] ?? 0, mc = cpu["mosquitto"] ?? 0
            let ratio = m.messagesPerSecond > 0 ? l.messagesPerSecond / m.messagesPerSecond : 0
            // > 1: Lorikeet needs less CPU per message than Mosquitto.
            let cpuRatio = lc > 0 ? mc / lc : 0
            ratios.append(ratio)
            cpuRatios.append(cpuRatio)
            print(String(format: "%-20@ | %14.0f %7.0f %7.0f %10.2f | %15.0f %7.0f %7.0f %10.2f | %.2f× | %.2f×",
                         s.description as NSString, l.messagesPerSecond, l.p50Microseconds, l.p99Microseconds, lc,
                         m.messagesPerSecond, m.p50Microseconds, m.p99Microseconds, mc, ratio, cpuRatio))
            fflush(nil)
        }
        func geometricMean(_ xs: [Double]) -> Double {
            exp(xs.map { log(max($0, 1e-9)) }.reduce(0, +) / Double(max(1, xs.count)))
        }
        print(String(format: "geometric mean throughput ratio (lorikeet / mosquitto): %.2f×", geometricMean(ratios)))
        print(String(format: "geometric mean CPU-per-message ratio (mosquitto / lorikeet): %.2f×", geometricMean(cpuRatios)))
        fflush(nil)
        try await generator.shutdown()
    }

    /// User + system CPU seconds a process has used so far (`/proc/<pid>/stat` fields 14 and 15).
    static func cpuSeconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // Fields after the command name (which may contain spaces) start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// SIGTERM, then SIGKILL after two seconds. (`Process.waitUntilExit()` can block forever when
    /// called from an async context on Linux, so poll instead.)
    private func stop(_ p: Process) {
        guard p.isRunning else { return }
        p.terminate()
        for _ in 0..<40 where p.isRunning { usleep(50_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    }

    private func launch(_ path: String, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }
}
