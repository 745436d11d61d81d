import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Rules
import ServerApp

/// `lorikeet bench rules`: rule evaluations per second for a typical rule set (10 rules) over ~1 KB
/// uplink-event payloads, against a baseline of the same work hand-written over Foundation's
/// JSONSerialization; then the latency from uplink (UDP) to a rule's webhook at a fixed rate, against
/// the latency to the `up` event on the bus in the same run (RulesLatencyBenchmark).
struct BenchRulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "Rule evaluations per second; uplink → webhook latency.")

    @Option(help: "Messages to evaluate.") var messages = 20_000
    @Option(name: .customLong("latency-uplinks"), help: "Uplinks for the latency part (0 skips it).") var latencyUplinks = 10_000
    @Option(name: .customLong("latency-rate"), help: "Offered uplinks/s for the latency part.") var latencyRate = 1_000
    @Option(name: .customLong("latency-devices"), help: "ABP devices for the latency part.") var latencyDevices = 1_000
    @Option(name: .customLong("dedup-ms"), help: "The network server's deduplication window in the latency part (serve's default is 200).")
    var dedupMillis = 0
    @Option(name: .customLong("session-commit-ms"),
            help: "The network server's write-behind session commit interval in the latency part (serve's default is 10; events wait for it).")
    var sessionCommitMillis = 10

    static let rules = [
        "SELECT object.temperature AS t, deviceInfo.devEui AS dev FROM 'application/+/device/+/event/up' WHERE object.temperature > 30",
        "SELECT * FROM 'application/+/device/+/event/up' WHERE object.battery < 20",
        "SELECT object.humidity, topic(4) AS dev FROM 'application/+/device/+/event/up' WHERE object.humidity >= 80",
        "SELECT deviceInfo.deviceName AS name, rxInfo[0].rssi AS rssi FROM 'application/+/device/+/event/up' WHERE rxInfo[0].rssi < -110",
        "SELECT (object.temperature * 9 / 5) + 32 AS fahrenheit FROM 'application/+/device/+/event/up'",
        "SELECT upper(deviceInfo.deviceName) AS n FROM 'application/+/device/+/event/up' WHERE startswith(deviceInfo.deviceName, 'freezer')",
        "SELECT VALUE object FROM 'application/+/device/+/event/up' WHERE fPort = 2 AND object.door = 'open'",
        "SELECT CASE object.state WHEN 1 THEN 'on' WHEN 0 THEN 'off' ELSE 'unknown' END AS state FROM 'application/+/device/+/event/up'",
        "SELECT fCnt, dr, txInfo.frequency AS f FROM 'application/+/device/+/event/join'",
        "SELECT object.co2 AS co2 FROM 'application/+/device/+/event/up' WHERE object.co2 > 1000 OR object.voc > 500",
    ]

    func payload(_ i: Int) -> String {
        let t = Double(i % 500) / 10.0 - 5
        return """
        {"deduplicationId":"3ac7e3c4-4401-4b8d-9386-a5c902f9202d","time":"2026-11-28T16:00:00.000000+00:00",\
        "deviceInfo":{"tenantId":"52f14cd4-c6f1-4fbd-8f87-4025e1d49242","tenantName":"ChirpStack",\
        "applicationId":"17c82e96-be03-4f38-aef3-f83d48582d97","applicationName":"Test application",\
        "deviceProfileId":"14855bf7-d10d-4aee-b618-ebfcb64dc7ad","deviceProfileName":"Test device-profile",\
        "deviceName":"freezer-\(i % 97)","devEui":"0101010101010101","tags":{"site":"north","rack":"7"}},\
        "devAddr":"00189440","adr":true,"dr":1,"fCnt":\(i),"fPort":2,"confirmed":false,"data":"qg==",\
        "object":{"temperature":\(t),"humidity":\(40 + i % 50),"battery":\(i % 100),"door":"\(i % 7 == 0 ? "open" : "closed")",\
        "state":\(i % 3),"co2":\(400 + i % 900),"voc":\(i % 600)},\
        "rxInfo":[{"gatewayId":"0016c001f153a14c","uplinkId":4217106255,"rssi":\(-60 - i % 70),"snr":10.2,"channel":2,\
        "location":{"latitude":52.3740,"longitude":4.8897},"context":"EFwMtA==","metadata":{"region_name":"eu868"}}],\
        "txInfo":{"frequency":868500000,"modulation":{"lora":{"bandwidth":125000,"spreadingFactor":11,"codeRate":"CR_4_5"}}}}
        """
    }

    func run() async throws {
        try evaluations()
        guard latencyUplinks > 0 else { return }
        guard latencyRate > 0, latencyDevices > 0 else { throw ValidationError("--latency-rate and --latency-devices must be positive") }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let r = try await RulesLatencyBenchmark.run(devices: latencyDevices, uplinks: latencyUplinks, rate: latencyRate,
                                                    deduplicationMillis: dedupMillis, sessionCommitMillis: sessionCommitMillis, logger: logger)
        func line(_ name: String, _ v: [Double]) -> String {
            String(format: "%@: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (%d of %d)", name,
                   RulesLatencyBenchmark.percentile(v, 0.5), RulesLatencyBenchmark.percentile(v, 0.9),
                   RulesLatencyBenchmark.percentile(v, 0.99), v.last ?? .nan, v.count, r.sent)
        }
        print("latency: \(r.sent) uplinks from \(latencyDevices) ABP devices at \(latencyRate)/s offered (sent in \(String(format: "%.1f", r.seconds)) s), deduplication window \(dedupMillis) ms, session commit every \(sessionCommitMillis) ms, 10 rules, 1 with a webhook")
        print(line("uplink → rule webhook received", r.webhook))
        print(line("baseline: uplink → up event on the bus", r.event))
        print(String(format: "ratio p99 webhook/event: %.2f", RulesLatencyBenchmark.percentile(r.webhook, 0.99) / RulesLatencyBenchmark.percentile(r.event, 0.99)))
    }

    func evaluations() throws {
        let compiled = try Self.rules.map { sql in
            do { return try Rule(sql: sql) } catch { throw ValidationError("\(error)") }
        }
        let payloads = (0..<64).map { Array(payload($0).utf8) }
        print("payload size: \(payloads[0].count) bytes, rules: \(compiled.count), messages: \(messages)")
        let topic = "application/17c82e96/device/0101010101010101/event/up"
        var fired = 0

        // Lorikeet: parse each payload once, evaluate all 10 rules.
        let cpuStart = Self.threadCPUSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<messages {
            let message = RuleMessage(bytes: payloads[i % payloads.count], context: MessageContext(topic: topic, timestamp: 0))
            for rule in compiled where rule.evaluate(message).fired { fired += 1 }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = Self.threadCPUSeconds() - cpuStart
        let evaluations = Double(messages * compiled.count)
        let rate = evaluations / elapsed

        // Where the time goes: parsing alone.
        let parseStart = DispatchTime.now().uptimeNanoseconds
        var parsed = 0
        for i in 0..<messages {
            if case .json = Payload(bytes: payloads[i % payloads.count]) { parsed += 1 }
        }
        let parseElapsed = Double(DispatchTime.now().uptimeNanoseconds - parseStart) / 1e9

        // Baseline: the same ten conditions hand-written over JSONSerialization (parse once per message).
        var baselineFired = 0
        let baseCPUStart = Self.threadCPUSeconds()
        let baseStart = DispatchTime.now().uptimeNanoseconds
        for i in 0..<messages {
            let json = try JSONSerialization.jsonObject(with: Data(payloads[i % payloads.count])) as? [String: Any] ?? [:]
            let object = json["object"] as? [String: Any] ?? [:]
            let info = json["deviceInfo"] as? [String: Any] ?? [:]
            let rx = (json["rxInfo"] as? [[String: Any]])?.first ?? [:]
            if (object["temperature"] as? Double ?? 0) > 30 { baselineFired += 1 }
            if (object["battery"] as? Int ?? 0) < 20 { baselineFired += 1 }
            if (object["humidity"] as? Int ?? 0) >= 80 { baselineFired += 1 }
            if (rx["rssi"] as? Int ?? 0) < -110 { baselineFired += 1 }
            if object["temperature"] != nil { baselineFired += 1 }
            if (info["deviceName"] as? String ?? "").hasPrefix("freezer") { baselineFired += 1 }
            if json["fPort"] as? Int == 2, object["door"] as? String == "open" { baselineFired += 1 }
            baselineFired += 1
            if topic.hasSuffix("/join") { baselineFired += 1 }
            if (object["co2"] as? Int ?? 0) > 1000 || (object["voc"] as? Int ?? 0) > 500 { baselineFired += 1 }
        }
        let baseSeconds = Double(DispatchTime.now().uptimeNanoseconds - baseStart) / 1e9
        let baseCPU = Self.threadCPUSeconds() - baseCPUStart
        let baseRate = evaluations / baseSeconds

        print(String(format: "lorikeet rules: %.0f evaluations/s (%.2f µs per message of 10 rules), fired %d", rate,
                     elapsed / Double(messages) * 1e6, fired))
        print(String(format: "  of which JSON parsing: %.2f µs per message", parseElapsed / Double(messages) * 1e6))
        print(String(format: "baseline (JSONSerialization + hand-written Swift conditions): %.0f evaluations/s, fired %d",
                     baseRate, baselineFired))
        print(String(format: "ratio lorikeet/baseline: %.2f", rate / baseRate))
        // Per core: the same loops timed by the thread's CPU clock, so time spent waiting for a
        // core on a loaded machine does not count (both loops run on one thread without suspending).
        print(String(format: "per core (thread CPU time): lorikeet %.0f evaluations/s, baseline %.0f evaluations/s, ratio %.2f",
                     evaluations / cpu, evaluations / baseCPU, baseCPU / cpu))
    }

    /// CPU seconds used by the calling thread.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
