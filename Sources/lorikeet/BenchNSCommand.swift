import ArgumentParser
import Foundation
import Logging
import ServerApp

/// `lorikeet bench ns`: the highest sustained uplink rate end to end (UDP → network server →
/// MQTT bus) with zero loss, and PULL_RESP latency of confirmed uplinks, against the bridge
/// alone and the PUSH_ACK round trip in the same run.
struct BenchNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ns",
        abstract: "Sustained uplinks/s end to end and confirmed-uplink PULL_RESP latency, vs the bridge alone and PUSH_ACK."
    )

    @Option(help: "ABP devices provisioned.") var devices: Int = 1000
    @Option(help: "Seconds of traffic per throughput trial.") var seconds: Double = 3
    @Option(help: "First offered rate of the search (uplinks/s).") var startRate: Int = 4000
    @Option(help: "Highest offered rate tried.") var maxRate: Int = 60_000
    @Option(help: "A trial is sustained only if the last uplink is processed within this many seconds after the last send.")
    var maxDrain: Double = 0.5
    @Option(help: "Offered rate of the latency run (uplinks/s).") var latencyRate: Int = 10_000
    @Option(help: "Seconds of the latency run.") var latencySeconds: Double = 5
    @Option(help: "Fraction of confirmed uplinks in the latency run.") var confirmed: Double = 0.1
    @Option(help: "Deduplication window of the server (ms).") var dedupWindow: Int = 200
    @Flag(help: "Skip the bridge-alone baseline search.") var noBaseline = false
    @Flag(help: "Turn the server's deduplication early close off (every window lasts --dedup-window).") var noEarlyClose = false
    @Flag(help: "Answer every PULL_RESP with a TX_ACK, as protocol-v2 gateways do (the default gateway sends none, like v1).") var txAck = false

    func run() async throws {
        guard devices > 0, seconds > 0, startRate > 0, maxRate >= startRate, latencyRate > 0, latencySeconds > 0,
              (0...1).contains(confirmed), dedupWindow >= 0 else {
            throw ValidationError("--devices, --seconds, rates and --latency-seconds must be positive, --confirmed in 0…1")
        }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        var o = NetworkServerBenchmark.Options()
        o.devices = devices
        o.trialSeconds = seconds
        o.startRate = startRate
        o.maxRate = maxRate
        o.maxDrainSeconds = maxDrain
        o.latencyRate = latencyRate
        o.latencySeconds = latencySeconds
        o.confirmedFraction = confirmed
        o.deduplicationWindowMillis = dedupWindow
        o.bridgeBaseline = !noBaseline
        o.earlyClose = !noEarlyClose
        o.txAck = txAck
        print("\(devices) ABP devices, 12-byte payloads, one gateway over loopback UDP; deduplication window \(dedupWindow) ms, early close \(noEarlyClose ? "off" : "on"), TX_ACK \(txAck ? "on" : "off")")
        print("processed = accepted by the network server (MIC, FCnt, decrypt, committed) AND its up event on the MQTT bus")
        let r = try await NetworkServerBenchmark.run(options: o, logger: logger) { print($0) }
        let ns = r.sustained.map { "\($0) uplinks/s" } ?? "none of the rates tried"
        let base = r.bridgeSustained.map { "\($0) frames/s" } ?? (noBaseline ? "skipped" : "none of the rates tried")
        print("highest sustained rate, zero loss: bridge + network server \(ns); bridge alone (baseline) \(base)")
        if let a = r.sustained, let b = r.bridgeSustained { print(String(format: "ratio: %.2f of the bridge-alone rate", Double(a) / Double(b))) }
        let l = r.latency
        print(String(format: "latency at %d uplinks/s (%d uplinks, %d processed; %d confirmed, %d PULL_RESP, %d verified: ACK bit, MIC, RX1 tmst):",
                     l.rate, l.uplinks, l.processed, l.confirmed, l.answered, l.verified))
        print(String(format: "  deduplication windows: %d closed early, %d at the %d ms deadline",
                     l.windowsClosedEarly, l.windowsClosedAtDeadline, l.windowMillis))
        if noEarlyClose {
            print(String(format: "  PUSH_DATA → PULL_RESP  p50 %.1f ms  p99 %.1f ms  max %.1f ms  (includes the %d ms deduplication window)",
                         l.p50, l.p99, l.max, l.windowMillis))
            print(String(format: "  the same minus the window: p50 %.1f ms  p99 %.1f ms",
                         l.p50 - Double(l.windowMillis), l.p99 - Double(l.windowMillis)))
        } else {
            print(String(format: "  PUSH_DATA → PULL_RESP  p50 %.1f ms  p99 %.1f ms  max %.1f ms  (windows that closed at the deadline include its %d ms)",
                         l.p50, l.p99, l.max, l.windowMillis))
        }
        print(String(format: "  baseline PUSH_DATA → PUSH_ACK (same sockets, same run): p50 %.2f ms  p99 %.2f ms", l.pushAckP50, l.pushAckP99))
        for (second, b) in l.perSecond.enumerated() {
            print(String(format: "    second %d: %d confirmed, PULL_RESP p50 %.1f ms  p99 %.1f ms  max %.1f ms", second, b.count, b.p50, b.p99, b.max))
        }
    }
}

/// `lorikeet bench ns-memory`: resident memory with many devices whose sessions are active.
struct BenchNSMemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ns-memory",
        abstract: "Resident memory with N provisioned ABP devices, all sessions active, after uplinks from each; fails above --limit-mb."
    )

    @Option(help: "ABP devices provisioned.") var devices: Int = 100_000
    @Option(help: "Uplinks per device.") var uplinksPerDevice: Int = 1
    @Option(help: "Offered rate (uplinks/s).") var rate: Int = 5000
    @Option(help: "Fail when the peak resident set exceeds this (MiB).") var limitMb: Int = 500

    func run() async throws {
        guard devices > 0, uplinksPerDevice > 0, rate > 0, limitMb > 0 else { throw ValidationError("all options must be positive") }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let r = try await NetworkServerMemoryBenchmark.run(devices: devices, uplinksPerDevice: uplinksPerDevice, rate: rate, logger: logger) { print($0) }
        print("\(r.devices) devices, \(r.uplinksProcessed) of \(r.uplinksSent) uplinks processed")
        print("VmRSS: start \(r.rssStartKiB / 1024) MiB, provisioned \(r.rssProvisionedKiB / 1024) MiB, end \(r.rssEndKiB / 1024) MiB; peak (VmHWM) \(r.hwmKiB / 1024) MiB; limit \(limitMb) MiB")
        print(String(format: "per device: %.1f KiB (end − start)", Double(r.rssEndKiB - r.rssStartKiB) / Double(r.devices)))
        guard r.hwmKiB <= limitMb * 1024 else {
            print("FAIL: peak resident memory \(r.hwmKiB / 1024) MiB exceeds \(limitMb) MiB")
            throw ExitCode(1)
        }
        guard r.uplinksProcessed == r.uplinksSent else {
            print("FAIL: \(r.uplinksSent - r.uplinksProcessed) uplinks not processed")
            throw ExitCode(1)
        }
        print("OK: under \(limitMb) MiB")
    }
}
