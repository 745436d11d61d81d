import ArgumentParser
import Broker
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle

/// `lorikeet broker`: runs only the MQTT broker (TCP and WebSocket) until SIGINT/SIGTERM.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the embedded MQTT broker on its own (MQTT 3.1.1 and 5.0, TCP and WebSocket)."
    )

    @Option(help: "Address to bind (default 127.0.0.1, or the configuration file's).")
    var host: String?

    @Option(help: "MQTT TCP port (0: ephemeral; default 1883).")
    var port: Int?

    @Option(name: .customLong("ws-port"), help: "MQTT-over-WebSocket port (0: ephemeral; default 8083).")
    var wsPort: Int?

    @Flag(name: .customLong("no-websocket"), help: "Do not listen for WebSocket connections.")
    var noWebSocket = false

    @Option(help: "JSON configuration file (BrokerConfiguration: users, acl, limits; see docs/broker.md).")
    var config: String?

    @Flag(name: .customLong("allow-anonymous"), help: "Accept clients without a user name.")
    var allowAnonymous = false

    @Option(help: "Event-loop threads (default: one per core).")
    var threads: Int?

    @Flag(name: .customLong("spread-event-loops"), help: "Spread connections over all event loops instead of serving them all on one.")
    var spreadEventLoops = false

    @Option(name: .customLong("log-level"), help: "Lowest level logged.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var configuration = BrokerConfiguration()
        if let config {
            let data = try Data(contentsOf: URL(fileURLWithPath: config))
            do {
                configuration = try JSONDecoder().decode(BrokerConfiguration.self, from: data)
            } catch {
                throw ValidationError("\(config): \(error)")
            }
        }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let wsPort { configuration.webSocketPort = wsPort }
        if noWebSocket { configuration.webSocketPort = nil }
        if allowAnonymous { configuration.allowAnonymous = true }
        if spreadEventLoops { configuration.singleEventLoop = false }

        let level = logLevel
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "lorikeet.broker")
        let group = threads.map { MultiThreadedEventLoopGroup(numberOfThreads: max(1, $0)) } ?? MultiThreadedEventLoopGroup.singleton
        let broker = BrokerServer(configuration: configuration, logger: logger, eventLoopGroup: group)
        let services = ServiceGroup(services: [broker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        Task {
            // One machine-readable line so scripts and tests learn the ports (useful with port 0).
            if let a = try? await broker.waitUntilBound() {
                print("broker listening host=\(configuration.host) port=\(a.tcpPort) ws-port=\(a.webSocketPort.map(String.init) ?? "off")")
                fflush(nil)
            }
        }
        try await services.run()
    }
}
