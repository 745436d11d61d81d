import Analytics
public import Broker
import Foundation
public import GatewayBridge
public import NetworkServer

/// The root configuration: one JSON file (`--config`) plus CLI flags. Every field has a default,
/// so an empty file (or none) runs the embedded default: SQLite in ./lorikeet-data, UDP 1700 and
/// HTTP 8080 on 127.0.0.1.
public struct ServerConfiguration: Codable, Sendable {
    /// Runtime state (registry.sqlite, admin.key).
    public var dataDir: String
    /// Channel plans; nil = `./Regions`, else next to the executable's source tree.
    public var regionsDir: String?
    public var gatewayBridge: GatewayBridgeConfiguration
    public var networkServer: NetworkServerConfiguration
    public var http: HTTPConfiguration
    /// The embedded MQTT broker (default 127.0.0.1:1883 TCP, 8083 WebSocket, no anonymous clients).
    public var broker: BrokerConfiguration
    /// The codec catalogue directory (`catalog.json` + scripts); nil = `./Codecs`, else next to
    /// the executable's source tree.
    public var codecsDir: String?
    /// Seconds between background compactions of the telemetry store's hot rows.
    public var telemetryCompactionSeconds: Int
    /// Per application id, the metrics stored (a name keeps itself and `name.…`); an application
    /// not listed stores every numeric field and all radio metadata.
    public var telemetryMetrics: [String: [String]]
    /// The webhook every alert transition is POSTed to (signed); nil = MQTT only.
    public var alertWebhook: AlertWebhookConfiguration?
    /// Signing and retries of rules' `webhook` actions; nil = a generated secret, default retries.
    public var ruleWebhooks: RuleWebhooksConfiguration?

    public struct HTTPConfiguration: Codable, Sendable {
        public var host: String
        /// 0 picks an ephemeral port (tests).
        public var port: Int
        /// Largest request body accepted (413 above it); default 1 MiB.
        public var maxBodyBytes: Int
        /// Seconds between `: ping` comments on `GET /api/stream`.
        public var streamPingSeconds: Double
        /// Events buffered per stream client before the oldest are dropped.
        public var streamBufferSize: Int
        /// Analytics engines (read-only connections) kept open for `POST /api/query`, and so the
        /// most queries run at once; default one per core, 2…8 (`AnalyticsEnginePool.defaultSize`).
        public var queryEngines: Int
        public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 1 << 20,
                    streamPingSeconds: Double = 15, streamBufferSize: Int = 256, queryEngines: Int? = nil) {
            self.host = host; self.port = port; self.maxBodyBytes = maxBodyBytes
            self.streamPingSeconds = streamPingSeconds; self.streamBufferSize = streamBufferSize
            self.queryEngines = queryEngines ?? AnalyticsEnginePool.defaultSize
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            host = try c.decodeIfPresent(String.self, forKey: .host) ?? "127.0.0.1"
            port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 8080
            maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? 1 << 20
            guard maxBodyBytes >= 1024, maxBodyBytes <= 1 << 30 else {
                throw DecodingError.dataCorruptedError(forKey: .maxBodyBytes, in: c, debugDescription: "must be 1024…1073741824")
            }
            streamPingSeconds = try c.decodeIfPresent(Double.self, forKey: .streamPingSeconds) ?? 15
            streamBufferSize = try c.decodeIfPresent(Int.self, forKey: .streamBufferSize) ?? 256
            guard streamPingSeconds >= 0.05, streamPingSeconds <= 3600 else {
                throw DecodingError.dataCorruptedError(forKey: .streamPingSeconds, in: c, debugDescription: "must be between 0.05 and 3600")
            }
            guard (1...1_000_000).contains(streamBufferSize) else {
                throw DecodingError.dataCorruptedError(forKey: .streamBufferSize, in: c, debugDescription: "must be between 1 and 1000000")
            }
            queryEngines = try c.decodeIfPresent(Int.self, forKey: .queryEngines) ?? AnalyticsEnginePool.defaultSize
            guard (1...64).contains(queryEngines) else {
                throw DecodingError.dataCorruptedError(forKey: .queryEngines, in: c, debugDescription: "must be between 1 and 64")
            }
        }
    }

    public init(dataDir: String = "./lorikeet-data", regionsDir: String? = nil, gatewayBridge: GatewayBridgeConfiguration = .init(),
                networkServer: NetworkServerConfiguration = .init(), http: HTTPConfiguration = .init(),
                broker: BrokerConfiguration = .init(), codecsDir: String? = nil, telemetryCompactionSeconds: Int = 300,
                telemetryMetrics: [String: [String]] = [:], alertWebhook: AlertWebhookConfiguration? = nil) {
        self.telemetryMetrics = telemetryMetrics
        self.alertWebhook = alertWebhook
        self.broker = broker
        self.codecsDir = codecsDir
        self.telemetryCompactionSeconds = telemetryCompactionSeconds
        self.dataDir = dataDir
        self.regionsDir = regionsDir
        self.gatewayBridge = gatewayBridge
        self.networkServer = networkServer
        self.http = http
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataDir = try c.decodeIfPresent(String.self, forKey: .dataDir) ?? "./lorikeet-data"
        regionsDir = try c.decodeIfPresent(String.self, forKey: .regionsDir)
        gatewayBridge = try c.decodeIfPresent(GatewayBridgeConfiguration.self, forKey: .gatewayBridge) ?? .init()
        networkServer = try c.decodeIfPresent(NetworkServerConfiguration.self, forKey: .networkServer) ?? .init()
        http = try c.decodeIfPresent(HTTPConfiguration.self, forKey: .http) ?? .init()
        broker = try c.decodeIfPresent(BrokerConfiguration.self, forKey: .broker) ?? .init()
        codecsDir = try c.decodeIfPresent(String.self, forKey: .codecsDir)
        telemetryCompactionSeconds = try c.decodeIfPresent(Int.self, forKey: .telemetryCompactionSeconds) ?? 300
        telemetryMetrics = try c.decodeIfPresent([String: [String]].self, forKey: .telemetryMetrics) ?? [:]
        alertWebhook = try c.decodeIfPresent(AlertWebhookConfiguration.self, forKey: .alertWebhook)
        ruleWebhooks = try c.decodeIfPresent(RuleWebhooksConfiguration.self, forKey: .ruleWebhooks)
        guard telemetryCompactionSeconds > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .telemetryCompactionSeconds, in: c, debugDescription: "must be positive")
        }
    }

    /// Reads a configuration file.
    /// - Throws: `ServerAppError.invalidConfiguration` naming the file and what is wrong.
    public static func load(path: String) throws -> ServerConfiguration {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ServerAppError.invalidConfiguration("\(path): cannot read (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(ServerConfiguration.self, from: data) } catch {
            throw ServerAppError.invalidConfiguration("\(path): \(error)")
        }
    }
}

/// Errors of starting or managing the server.
public enum ServerAppError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case dataDirectory(String)
    case regions(String)
    case importFailed(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(m): return "invalid configuration: \(m)"
        case let .dataDirectory(m): return "data directory: \(m)"
        case let .regions(m): return "channel plans: \(m)"
        case let .importFailed(m): return "import failed: \(m)"
        }
    }
}
