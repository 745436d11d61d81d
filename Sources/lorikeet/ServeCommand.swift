import ArgumentParser
import HTTPAPI
import Logging
import Observability
import ServerApp

/// `lorikeet serve`: run the network server (gateway bridge, network server, HTTP API).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: packet-forwarder UDP (1700), network server, MQTT broker (1883/8083), codecs, telemetry, HTTP API (8080)."
    )

    @Option(help: "JSON configuration file (every field optional; see docs/network-server.md).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Runtime state directory (registry.sqlite, admin.key).")
    var dataDir: String?

    @Option(name: .customLong("udp-port"), help: "Packet-forwarder UDP port (overrides the config file).")
    var udpPort: Int?

    @Option(name: .customLong("http-port"), help: "HTTP API port (overrides the config file).")
    var httpPort: Int?

    @Option(name: .customLong("mqtt-port"), help: "MQTT broker TCP port (overrides the config file; 0 = ephemeral).")
    var mqttPort: Int?

    @Option(name: .customLong("mqtt-ws-port"), help: "MQTT over WebSocket port, or off (overrides the config file; 0 = ephemeral).")
    var mqttWebSocketPort: String?

    @Option(name: .customLong("alert-webhook"), help: "POST every alert transition here, signed (overrides the config's alertWebhook.url).")
    var alertWebhook: String?

    @Option(name: .customLong("alert-secret"), help: "HMAC-SHA256 secret of --alert-webhook.")
    var alertSecret: String?

    @Option(name: .customLong("alert-secret-file"), help: "Read the --alert-webhook secret from this file (first line).")
    var alertSecretFile: String?

    @Option(name: .customLong("log-level"), help: "Lowest level logged.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        var configuration = try config.map { try ServerConfiguration.load(path: $0) } ?? ServerConfiguration()
        if let dataDir { configuration.dataDir = dataDir }
        if let udpPort { configuration.gatewayBridge.port = udpPort }
        if let httpPort { configuration.http.port = httpPort }
        if let mqttPort { configuration.broker.port = mqttPort }
        if let mqttWebSocketPort {
            if mqttWebSocketPort == "off" {
                configuration.broker.webSocketPort = nil
            } else if let port = Int(mqttWebSocketPort), (0...65535).contains(port) {
                configuration.broker.webSocketPort = port
            } else {
                throw ValidationError("--mqtt-ws-port must be a port number or off")
            }
        }
        if let alertWebhook {
            guard alertSecret != nil || alertSecretFile != nil else { throw ValidationError("--alert-webhook needs --alert-secret or --alert-secret-file") }
            configuration.alertWebhook = AlertWebhookConfiguration(url: alertWebhook, secret: alertSecret, secretFile: alertSecretFile)
        }
        var logger = Logger(label: "lorikeet")
        logger.logLevel = logLevel
        // The one place swift-metrics is bootstrapped: every module's metrics land in this registry,
        // which `GET /metrics` renders.
        let metrics = LorikeetMetricsFactory.bootstrapGlobal()
        let exposition = MetricsAPI.Exposition(contentType: LorikeetMetricsFactory.contentType, render: { metrics.exposition() })
        let app = try await ServerApp(configuration: configuration, logger: logger, metrics: exposition)
        try await app.run()
    }
}
