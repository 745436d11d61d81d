import Analytics
import Dashboard
public import Broker
import Foundation
public import GatewayBridge
public import HTTPAPI
import Hummingbird
public import LoRaWAN
public import Logging
public import NetworkServer
import Rules
import NIOCore
import PacketForwarder
public import Registry
import RegionalParameters
public import ServiceLifecycle
public import TelemetryStore

/// Composes the server: MQTT broker, telemetry store (with background compaction), registry,
/// gateway bridge, network server, HTTP API, and the glue pipelines between them, as one
/// `ServiceGroup` with graceful shutdown (SIGINT/SIGTERM). Services start in dependency order and
/// stop in reverse, so HTTP stops first and the broker last.
public final class ServerApp: Sendable {
    public let configuration: ServerConfiguration
    public let registry: SQLiteRegistry
    public let bridge: GatewayBridge
    public let networkServer: NetworkServer
    public let adminKey: String
    /// The embedded MQTT broker (its bus carries every event and downlink command).
    public let broker: BrokerServer
    /// `<data-dir>/telemetry.sqlite`.
    public let telemetry: TelemetryStore
    let codecs: CodecService
    /// The rules from `<data-dir>/rules.json` (hot-reloaded).
    public let rules: RuleCatalog
    let logger: Logger
    let knownGateways: KnownGateways
    /// The event detectors, alerts and rule webhooks (`<data-dir>/events.sqlite`).
    let events: EventsFeed
    let httpAddress = AddressBox()
    /// What `GET /readyz` reports: the UDP bridge, broker, telemetry store and HTTP listener.
    public let readiness = Readiness(components: ["udp_bridge", "broker", "telemetry_store", "http"])
    /// The `GET /metrics` text (nil: no metrics backend bootstrapped in this process).
    let metricsExposition: MetricsAPI.Exposition?

    /// Prepares everything (data directory, admin key, registry, channel plans) without binding.
    /// - Parameter metrics: the swift-metrics backend's exposition for `GET /metrics` (the
    ///   executable bootstraps the backend; in-process tests pass nil).
    public init(configuration: ServerConfiguration, logger: Logger, metrics: MetricsAPI.Exposition? = nil) async throws {
        self.configuration = configuration
        self.logger = logger
        self.metricsExposition = metrics
        let dir = try DataDirectory(path: configuration.dataDir)
        let (key, created) = try dir.adminKey()
        adminKey = key
        if created { logger.info("admin API key created", metadata: ["server.admin_key_path": "\(dir.adminKeyPath)"]) }
        let kek = try dir.keyEncryptionKey()
        if kek.created { logger.info("key-encryption key created (keep a copy: device keys cannot be read without it)", metadata: ["server.kek_path": "\(kek.source)"]) }
        registry = try SQLiteRegistry(path: dir.registryPath, keyEncryptionKey: kek.key)
        let regions = try DataDirectory.loadRegions(configuration.regionsDir)
        let known = KnownGateways(try await registry.gateways().map(\.gatewayEUI))
        knownGateways = known
        let bridge = GatewayBridge(configuration: configuration.gatewayBridge, logger: logger, batchedUplinks: true, isKnownGateway: { known.contains($0) })
        self.bridge = bridge
        networkServer = NetworkServer(configuration: configuration.networkServer, regions: regions, registry: registry, sessions: registry,
                                      logger: logger, batchedEvents: true) { frame in try await bridge.send(frame) }
        await networkServer.keepGatewayReach(in: dir.gatewayReachPath)
        // Retained messages survive restarts of `serve` unless the configuration names another file.
        var brokerConfiguration = configuration.broker
        if brokerConfiguration.retainedFile == nil { brokerConfiguration.retainedFile = dir.brokerRetainedPath }
        broker = BrokerServer(configuration: brokerConfiguration, logger: logger,
                              authenticator: APIKeyBrokerAuthenticator(configuration: configuration.broker, registry: registry, adminKey: key))
        do { telemetry = try TelemetryStore(dataDirectory: configuration.dataDir) } catch {
            throw ServerAppError.dataDirectory("telemetry store: \(error)")
        }
        readiness.markReady("telemetry_store")
        rules = try RuleCatalog(dataDirectory: configuration.dataDir)
        events = try EventsFeed.open(dataDirectory: configuration.dataDir, bus: broker.bus, registry: registry,
                                     webhook: configuration.alertWebhook, ruleWebhooks: configuration.ruleWebhooks, logger: logger)
        let codecsDir = CodecService.locate(configuration.codecsDir)
        codecs = CodecService(directory: codecsDir, uploadsDirectory: CodecUploads.directory(dataDirectory: configuration.dataDir))
        if codecsDir == nil { logger.warning("no Codecs directory with catalog.json: uplinks of profiles with a codec get a log event") }
        logger.info("server prepared", metadata: ["server.data_dir": "\(configuration.dataDir)", "server.regions": "\(regions.ids.count)",
                                                  "server.codecs_dir": "\(codecsDir ?? "none")"])
    }

    /// The HTTP API's bound address (after `run()` has started it).
    public var httpPort: Int {
        get async { await httpAddress.port() }
    }

    /// Runs every service until a signal or cancellation.
    public func run() async throws {
        let router = makeRouter()
        let box = httpAddress
        let readiness = self.readiness
        let http = Application(router: router,
                               configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port), serverName: "lorikeet"),
                               onServerRunning: { channel in
                                   box.set(channel.localAddress?.port ?? 0)
                                   readiness.markReady("http")
                               },
                               logger: logger)
        let pipelines = Pipelines(bus: broker.bus, codecs: codecs, registry: registry, networkServer: networkServer,
                                  telemetry: telemetry, telemetryMetrics: configuration.telemetryMetrics, events: events, logger: logger)
        let glue = Glue(bridge: bridge, networkServer: networkServer, registry: registry, knownGateways: knownGateways,
                        pipelines: pipelines, logger: logger)
        let compaction = CompactionService(store: telemetry, interval: .seconds(configuration.telemetryCompactionSeconds), logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: broker),
            .init(service: compaction),
        ]
        services.append(.init(service: EventsRunService(feed: events, interval: .seconds(1))))
        services += [
            .init(service: networkServer),
            .init(service: RulesService(catalog: rules, bus: broker.bus, telemetry: telemetry, networkServer: networkServer,
                                        events: events.service, logger: logger)),
            .init(service: glue),
            .init(service: bridge),
            .init(service: http),
            // Last, so graceful shutdown reaches it first: /readyz turns 503 before HTTP stops.
            .init(service: ReadinessProbe(readiness: readiness, broker: broker, bridge: bridge)),
        ]
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Marks the broker and the UDP bridge ready once bound, and the server not ready
/// (`shutting_down`) when graceful shutdown begins.
struct ReadinessProbe: Service {
    let readiness: Readiness
    let broker: BrokerServer
    let bridge: GatewayBridge

    func run() async throws {
        // Unstructured: a bind that never happens (another service failed first) must not hold
        // up shutdown; both promises complete or fail when their service ends.
        let waits = [
            Task { [readiness, broker] in if (try? await broker.waitUntilBound()) != nil { readiness.markReady("broker") } },
            Task { [readiness, bridge] in if (try? await bridge.boundAddress) != nil { readiness.markReady("udp_bridge") } },
        ]
        try? await gracefulShutdown()
        readiness.markNotReady("shutting_down")
        for w in waits { w.cancel() }
    }
}

extension ServerApp {
    /// The live stream's events: one bus subscription per client, ended when the client goes.
    static func streamSource(_ bus: MessageBus) -> EventStreamSource {
        EventStreamSource { filter, deliver in
            let stream = try bus.subscribe(filter: filter, includeRetained: false, bufferSize: 1024)
            let task = Task {
                for await message in stream { deliver(message.topic, message.payload) }
            }
            return { task.cancel() }
        }
    }
}

extension ServerApp {
    /// The HTTP API: access middleware, REST core, analytics query, OpenAPI document.
    func makeRouter() -> Router<APIRequestContext> {
        let api = HTTPAPIConfiguration(maxBodyBytes: configuration.http.maxBodyBytes)
        let core = CoreAPI(registry: registry, sessions: registry, configuration: api) { [networkServer] eui, port, data, confirmed in
            try await networkServer.enqueueDownlink(devEUI: eui, fPort: port, data: data, confirmed: confirmed)
        }
        let engines = AnalyticsEnginePool(dataDirectory: configuration.dataDir, size: configuration.http.queryEngines)
        let queryMetrics = QueryMetrics()
        let query = QueryAPI(configuration: api) { sql, format in
            let start = ContinuousClock.now
            do {
                let result = try await engines.withEngine { try $0.query(sql, now: Int64(Date().timeIntervalSince1970 * 1000)) }
                let text = result.render(format == "csv" ? .csv : .json)
                queryMetrics.ok.record(duration: ContinuousClock.now - start)
                return text
            } catch {
                queryMetrics.error.record(duration: ContinuousClock.now - start)
                throw error
            }
        }
        let router = HTTPAPI.router(adminKey: adminKey, registry: registry, core: core, query: query, configuration: api)
        // The access middleware guards /metrics (admin and analyst keys) as it guards /api.
        MetricsAPI.addRoutes(to: router, exposition: metricsExposition, readiness: readiness)
        StreamAPI.addRoutes(to: router.group("/api"), source: Self.streamSource(broker.bus),
                            configuration: StreamConfiguration(bufferSize: configuration.http.streamBufferSize,
                                                               pingInterval: .milliseconds(Int64(configuration.http.streamPingSeconds * 1000))))
        RulesAPI.addRoutes(to: router.group("/api"), backend: ServerRulesBackend(catalog: rules, events: events.service))
        // The web dashboard (static pages at /ui/ that call the API with the user's key).
        Dashboard.addRoutes(to: router)
        return router
    }
}

/// Moves frames and events between the bridge, the network server and the registry.
struct Glue: Service {
    let bridge: GatewayBridge
    let networkServer: NetworkServer
    let registry: SQLiteRegistry
    let knownGateways: KnownGateways
    let pipelines: Pipelines
    let logger: Logger

    func run() async throws {
        let commands: AsyncStream<BrokerMessage>?
        do { commands = try pipelines.bus.subscribe(filter: "application/+/device/+/command/down", includeRetained: false) } catch {
            logger.error("cannot subscribe to downlink commands", metadata: ["error": "\(error)"])
            commands = nil
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // One hop into the network server per read burst, not per frame.
                for await batch in bridge.uplinkBatches { await networkServer.receive(batch: batch) }
            }
            group.addTask {
                for await event in bridge.events {
                    switch event {
                    case let .txAck(id, gateway, result):
                        let error: String? = switch result {
                        case .ok, .acceptedWithWarning: nil
                        case let .rejected(e): e.rawValue
                        }
                        await networkServer.handleTxAck(downlinkID: id, gatewayEUI: gateway, error: error)
                    case let .gatewayRegistered(eui):
                        knownGateways.insert(eui)
                        pipelines.gatewayOnline(eui, lastSeenMillis: nil)
                        try? await registry.upsertGateway(Gateway(gatewayEUI: eui, name: "auto-\(eui)"))
                    case let .status(status):
                        var gw = (try? await registry.gateway(gatewayEUI: status.gatewayEUI)) ?? Gateway(gatewayEUI: status.gatewayEUI)
                        gw.lastSeenMillis = status.lastSeenMillis
                        if let l = status.location { gw.location = l }
                        try? await registry.upsertGateway(gw)
                        pipelines.gatewayOnline(status.gatewayEUI, lastSeenMillis: status.lastSeenMillis)
                    }
                }
            }
            group.addTask {
                // Events in order: codec, then MQTT and the telemetry store.
                for await batch in networkServer.eventBatches { await pipelines.handle(batch: batch) }
            }
            if let commands {
                group.addTask {
                    for await message in commands { await pipelines.command(topic: message.topic, payload: message.payload) }
                }
            }
            // The streams end when their services stop; on graceful shutdown stop waiting.
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}

/// Compacts the telemetry store's hot rows into chunks and applies per-application retention
/// every `interval` until shutdown.
struct CompactionService: Service {
    let store: TelemetryStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await store.runCompaction(every: interval, onError: { [logger] error in
                logger.error("telemetry compaction or retention failed", metadata: ["error": "\(error)"])
            })
        }
        // A last compaction on the way out, so a restart starts from chunks.
        do { _ = try store.compact() } catch { logger.error("telemetry compaction failed", metadata: ["error": "\(error)"]) }
    }
}

/// The set of registered gateways, consulted synchronously by the UDP handler.
final class KnownGateways: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<EUI64>
    init(_ euis: [EUI64]) { set = Set(euis) }
    func contains(_ eui: EUI64) -> Bool { lock.lock(); defer { lock.unlock() }; return set.contains(eui) }
    func insert(_ eui: EUI64) { lock.lock(); set.insert(eui); lock.unlock() }
}

/// The HTTP port once bound.
final class AddressBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []
    func set(_ port: Int) {
        lock.lock()
        value = port
        let w = waiters
        waiters = []
        lock.unlock()
        for c in w { c.resume(returning: port) }
    }
    func port() async -> Int {
        await withCheckedContinuation { c in
            lock.lock()
            if let value { lock.unlock(); c.resume(returning: value) } else { waiters.append(c); lock.unlock() }
        }
    }
}
