import ArgumentParser
import Foundation
import Logging
import ServerApp

/// `lorikeet bench ns`: uplinks/s through the UDP bridge and the network server, against the
/// bridge alone in the same run.
struct BenchNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ns",
        abstract: "Uplinks/s through packet-forwarder UDP + network server vs the bridge alone."
    )

    @Option(help: "ABP devices provisioned.") var devices: Int = 1000
    @Option(help: "Uplinks sent.") var uplinks: Int = 100_000
    @Option(help: "Send rate in uplinks/s (default: as fast as possible).") var rate: Int?

    func run() async throws {
        guard devices > 0, uplinks > 0 else { throw ValidationError("--devices and --uplinks must be positive") }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let (ns, base) = try await NetworkServerBenchmark.run(devices: devices, uplinks: uplinks, rate: rate, logger: logger)
        print("\(uplinks) unconfirmed uplinks from \(devices) ABP devices over loopback UDP, \(rate.map { "\($0)/s offered" } ?? "unpaced")")
        print(String(format: "bridge + network server: %9.0f uplinks/s (%d of %d processed, %.1f%% lost)",
                     ns.rate, ns.processed, ns.sent, 100 * Double(ns.sent - ns.processed) / Double(ns.sent)))
        print(String(format: "bridge alone (baseline): %9.0f frames/s  (%d of %d delivered, %.1f%% lost)",
                     base.rate, base.processed, base.sent, 100 * Double(base.sent - base.processed) / Double(base.sent)))
        print(String(format: "ratio: %.2f of the bridge-only rate", ns.rate / base.rate))
    }
}
