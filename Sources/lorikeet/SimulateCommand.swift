import ArgumentParser
import Foundation
import LoRaWAN
import Simulator

/// `lorikeet simulate`: a gateway and ABP devices over real packet-forwarder UDP; prints a JSON report.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a packet-forwarder gateway and ABP devices sending uplinks to a server.",
        discussion: """
            The devices file is a JSON array of {"dev_eui","dev_addr","nwk_s_key","app_s_key"} objects (optional
            "f_cnt": first counter), the format `lorikeet device import` reads, so one file provisions and simulates.
            Prints {"devices","uplinksSent","pushAcks","pullAcks","seconds"} as JSON.
            """)

    @Option(help: "The server's packet-forwarder address, host:port.") var server = "127.0.0.1:1700"
    @Option(name: .customLong("devices-file"), help: "JSON array of ABP devices (see above).") var devicesFile: String
    @Option(help: "Seconds between two uplinks of one device.") var interval: Double = 10
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Option(help: "cayenne (temperature + humidity, Cayenne LPP) or hex:<bytes>.") var payload = "cayenne"
    @Option(name: .customLong("gateway-eui"), help: "The simulated gateway's EUI.") var gatewayEUI = "AA555A00000000FF"

    func run() async throws {
        guard interval > 0, interval < 86_400, duration > 0, duration < 864_000 else {
            throw ValidationError("--interval and --duration must be positive (and under a day / ten days)")
        }
        let eui: EUI64
        do { eui = try EUI64(hex: gatewayEUI) } catch { throw ValidationError("--gateway-eui: \(error)") }
        let report = try await Simulator.run(server: server, gatewayEUI: eui, devices: try Simulator.loadDevices(path: devicesFile),
                                             interval: .milliseconds(Int64(interval * 1000)), duration: .milliseconds(Int64(duration * 1000)),
                                             payload: try Simulator.Payload(parsing: payload))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
