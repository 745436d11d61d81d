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

    @Option(help: "Run only scenarios whose name contains this text (e.g. \"fan-out\" or \"QoS1 512B\").")
    var only: String?

    func run() async throws {
        let generator = BrokerLoadGenerator(threads: 1)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-bench-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }

        // Lorikeet: this same binary, `lorikeet broker`, in its own process like Mosquitto.
        let lorikeetPort = try await generator.freePort()
        let config = tmp.appendingPathComponent("broker.json")
        try #"{"allowAnonymous": true, "maximumQueuedMessages": 100000}"#.write(to: config, atomically: true, encoding: .utf8)
        let lorikeet = try launch(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
                                  ["broker", "--port", "\(lorikeetPort)", "--no-websocket", "--config", config.path, "--log-level", "error"]
                                  + (brokerThreads.map { ["--threads", "\($0)"] } ?? []))
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

        var scenarios: [LoadScenario] = []
        for shape in [LoadScenario.Shape.fanIn, .fanOut] {
            for qos in [QoS.atMostOnce, .atLeastOnce] {
                for size in [64, 512] {
                    scenarios.append(LoadScenario(shape: shape, clients: clients, qos: qos, payloadSize: size,
                                                  messagesPerPublisher: shape == .fanIn ? fanInMessages : fanOutMessages))
                }
            }
        }
        if let only { scenarios = scenarios.filter { $0.description.contains(only) } }
        print("scenario                  | lorikeet msg/s  p50 µs  p99 µs | mosquitto msg/s  p50 µs  p99 µs | ratio")
        var ratios: [Double] = []
        for s in scenarios {
            var best: [String: LoadResult] = [:]
            for _ in 0..<repeats {
                for (name, port) in [("lorikeet", lorikeetPort), ("mosquitto", mosquittoPort)] {
                    let r = try await generator.run(s, host: "127.0.0.1", port: port)
                    if r.delivered < r.expected {
                        print("  warning: \(name) delivered \(r.delivered) of \(r.expected) in \(s)")
                        fflush(nil)
                    }
                    if best[name].map({ $0.messagesPerSecond < r.messagesPerSecond }) ?? true { best[name] = r }
                }
            }
            let l = best["lorikeet"]!, m = best["mosquitto"]!
            let ratio = m.messagesPerSecond > 0 ? l.messagesPerSecond / m.messagesPerSecond : 0
            ratios.append(ratio)
            print(String(format: "%-25@ | %14.0f %7.0f %7.0f | %15.0f %7.0f %7.0f | %.2f×",
                         s.description as NSString, l.messagesPerSecond, l.p50Microseconds, l.p99Microseconds,
                         m.messagesPerSecond, m.p50Microseconds, m.p99Microseconds, ratio))
            fflush(nil)
        }
        let geo = exp(ratios.map { log(max($0, 1e-9)) }.reduce(0, +) / Double(max(1, ratios.count)))
        print(String(format: "geometric mean throughput ratio (lorikeet / mosquitto): %.2f×", geo))
        fflush(nil)
        try await generator.shutdown()
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
