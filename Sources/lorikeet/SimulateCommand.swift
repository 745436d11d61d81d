import ArgumentParser
import Foundation
import LoRaWAN
import Simulator

/// `lorikeet simulate`: gateways and devices over real packet-forwarder UDP; prints a JSON report.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate packet-forwarder gateways and LoRaWAN devices against a running server; print a JSON report.",
        discussion: """
            OTAA (default): provisions an application "simulator", a device profile and --devices devices through the HTTP API
            (admin key from --api-key, --api-key-file, or ./lorikeet-data/admin.key), joins them over the air, then sends
            uplinks at --rate per second for --duration seconds and checks every downlink (MIC, FCnt, RX1/RX2 timing, ACKs).
            ABP: --devices-file FILE, a JSON array of {"dev_eui","dev_addr","nwk_s_key","app_s_key"[,"f_cnt"]} (the format
            `lorikeet device import` reads); nothing is provisioned.
            Exits 1 when anything was lost or wrong (see "losses" and "failures" in the report).
            """)

    @Option(name: [.customLong("target"), .customLong("server")], help: "The server's packet-forwarder address, host:port.")
    var target = "127.0.0.1:1700"
    @Option(help: "Number of gateways; device i is heard by 1 + (i mod G) of them.") var gateways = 1
    @Option(help: "Number of OTAA devices.") var devices = 10
    @Option(help: "Aggregate uplinks per second (default: devices / --interval).") var rate: Double?
    @Option(help: "Seconds between two uplinks of one device, when --rate is not given.") var interval: Double = 10
    @Option(help: "Seconds of uplinks (after the joins).") var duration: Double = 10
    @Option(help: "Fraction of uplinks sent confirmed (0…1).") var confirmed: Double = 0
    @Option(help: "Channel plan id (a file in --regions-dir).") var region = "EU868"
    @Option(name: .customLong("regions-dir"), help: "The Regions/ directory.") var regionsDir = "./Regions"
    @Option(name: .customLong("mac-version"), help: "1.0.3 or 1.1.0 (OTAA devices).") var macVersion = "1.0.3"
    @Flag(name: .customLong("no-adr"), help: "Devices do not set the ADR bit (and the profile has ADR off).") var noADR = false
    @Option(help: "cayenne (temperature + humidity, Cayenne LPP) or hex:<bytes>.") var payload = "cayenne"
    @Option(name: .customLong("gateway-eui"), help: "The first gateway's EUI (the others count up).") var gatewayEUI = "AA555A0000000000"
    @Option(name: .customLong("dev-eui"), help: "The first device's DevEUI (the others count up).") var devEUI = "53494D0000000000"
    @Option(help: "The HTTP API base URL.") var api = "http://127.0.0.1:8080"
    @Option(name: .customLong("api-key"), help: "The admin API key.") var apiKey: String?
    @Option(name: .customLong("api-key-file"), help: "A file holding the admin API key (default ./lorikeet-data/admin.key).") var apiKeyFile: String?
    @Option(name: .customLong("devices-file"), help: "ABP devices (see above) instead of OTAA ones.") var devicesFile: String?
    @Option(name: .customLong("join-rate"), help: "Join-requests per second (default: --rate, at most 200).") var joinRate: Double?
    @Option(name: .customLong("join-attempts"), help: "Join-requests per device before it gives up.") var joinAttempts = 3
    @Option(help: "Seconds between PULL_DATA keep-alives.") var keepalive: Double = 10

    func run() async throws {
        do {
            let report = try await Simulator.run(try makeConfiguration())
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            if report.losses.total > 0 || report.failures.total > 0 {
                FileHandle.standardError.write(Data("simulate: \(report.losses.total) lost, \(report.failures.total) wrong (see the report)\n".utf8))
                throw ExitCode(1)
            }
        } catch let error as SimulatorError {
            FileHandle.standardError.write(Data("simulate: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    func makeConfiguration() throws -> SimulationConfiguration {
        func seconds(_ v: Double, _ name: String) throws -> Duration {
            guard v.isFinite, v > 0, v <= 864_000 else { throw SimulatorError.invalidArgument("\(name) must be > 0 and at most ten days (seconds)") }
            return .milliseconds(Int64(v * 1000))
        }
        var c = SimulationConfiguration(target: target, plan: try SimulationConfiguration.loadPlan(id: region, regionsDirectory: regionsDir))
        c.gateways = gateways
        c.duration = try seconds(duration, "--duration")
        c.keepalive = try seconds(keepalive, "--keepalive")
        c.confirmedFraction = confirmed
        c.adr = !noADR
        c.payload = try Payload(parsing: payload)
        c.joinAttempts = max(1, min(joinAttempts, 100))
        do { c.gatewayEUIBase = try EUI64(hex: gatewayEUI) } catch { throw SimulatorError.invalidArgument("--gateway-eui: \(error)") }
        do { c.devEUIBase = try EUI64(hex: devEUI) } catch { throw SimulatorError.invalidArgument("--dev-eui: \(error)") }
        switch macVersion {
        case "1.0.3", "1.0", "1.0.x": c.macVersion = .lorawan1_0
        case "1.1.0", "1.1": c.macVersion = .lorawan1_1
        default: throw SimulatorError.invalidArgument("--mac-version must be 1.0.3 or 1.1.0, got \(macVersion)")
        }
        if let devicesFile {
            let list = try SimulationConfiguration.loadABPDevices(path: devicesFile)
            c.abpDevices = list
            c.devices = list.count
        } else {
            c.devices = devices
            c.api = .init(baseURL: api, key: try readKey())
        }
        let interval = try seconds(interval, "--interval")
        let perDevice = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        c.rate = rate ?? Double(max(c.devices, 1)) / perDevice
        c.joinRate = joinRate ?? min(c.rate, 200)
        if !(c.joinRate > 0) { c.joinRate = 1 }
        return c
    }

    func readKey() throws -> String {
        if let apiKey { return apiKey.trimmingCharacters(in: .whitespacesAndNewlines) }
        let path = apiKeyFile ?? "./lorikeet-data/admin.key"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulatorError.invalidArgument("cannot read the API key file \(path): give --api-key KEY or --api-key-file FILE (the server writes <data-dir>/admin.key)")
        }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw SimulatorError.invalidArgument("the API key file \(path) is empty") }
        return key
    }
}
