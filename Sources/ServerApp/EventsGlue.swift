import AlertHooks
import AlertStore
import Broker
public import Events
import Foundation
import LoRaWAN
import Logging
import MQTT
import Registry
import NIOCore
import ServiceLifecycle

/// The broker's in-process bus as the alert hooks see it.
struct BrokerAlertBus: AlertBus {
    let bus: MessageBus

    func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool) async throws {
        try bus.publish(topic: topic, payload: ByteBuffer(bytes: payload), retain: retain, qos: qos >= 1 ? .atLeastOnce : .atMostOnce)
    }
}

/// Publishes each alert transition of a registered device on
/// `application/{applicationId}/device/{devEui}/event/alert` (QoS 1, the webhook's JSON body), so
/// the broker's per-application access control applies as for every other device event. Devices
/// not in the registry (removed since) fall back to `BusPublishHook`'s
/// `lorikeet/alerts/{detector}/{device}/{transition}`, visible to admins.
struct ApplicationAlertHook: AlertHook {
    let id = "mqtt"
    let bus: BrokerAlertBus
    let registry: SQLiteRegistry

    func deliver(_ request: HookRequest) async -> DeliveryOutcome {
        // The alert id is "<detector>:<device>:<firedAt>"; device ids may contain ':' themselves.
        let parts = request.alertID.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return .permanent("alert id '\(request.alertID)' is not detector:device:time") }
        let device = parts[1..<(parts.count - 1)].joined(separator: ":")
        var application: String?
        do {
            if let eui = try? EUI64(hex: device) { application = try await registry.device(devEUI: eui)?.applicationID }
        } catch {
            return .retryable("registry: \(error)")
        }
        guard let application else {
            return await BusPublishHook(id: id, bus: bus).deliver(request)
        }
        do {
            try await bus.publish(topic: "application/\(application)/device/\(device.lowercased())/event/alert",
                                  payload: Array(request.body), qos: 1, retain: false)
            return .delivered
        } catch {
            return .retryable("publish: \(error)")
        }
    }
}

/// The alert webhook of `serve` (configuration `alertWebhook`, or `--alert-webhook` / `--alert-secret`).
public struct AlertWebhookConfiguration: Codable, Sendable {
    public var url: String
    /// The HMAC-SHA256 secret (or give `secretFile`).
    public var secret: String?
    /// A file whose first line is the secret.
    public var secretFile: String?
    /// The hook id in the outbox (default `webhook`).
    public var hookId: String?
    /// Per-request timeout in seconds (default 10).
    public var timeoutSeconds: Double?

    public init(url: String, secret: String? = nil, secretFile: String? = nil, hookId: String? = nil, timeoutSeconds: Double? = nil) {
        self.url = url
        self.secret = secret
        self.secretFile = secretFile
        self.hookId = hookId
        self.timeoutSeconds = timeoutSeconds
    }

    func hook(client: WebhookHTTPClient) throws -> WebhookHook {
        guard let u = URL(string: url) else { throw ServerAppError.invalidConfiguration("alertWebhook.url is not a URL: \(url)") }
        var secret = self.secret
        if let secretFile {
            guard let text = try? String(contentsOfFile: secretFile, encoding: .utf8) else {
                throw ServerAppError.invalidConfiguration("alertWebhook.secretFile: cannot read \(secretFile)")
            }
            secret = text.split(whereSeparator: \.isNewline).first.map(String.init)
        }
        guard let secret else { throw ServerAppError.invalidConfiguration("alertWebhook needs secret or secretFile") }
        do { return try WebhookHook(id: hookId ?? "webhook", url: u, secret: secret, timeoutSeconds: timeoutSeconds ?? 10, client: client) } catch {
            throw ServerAppError.invalidConfiguration("alertWebhook: \(error)")
        }
    }
}

/// How `serve` signs and retries the HTTP requests of rules' `webhook` actions (configuration
/// `ruleWebhooks`). Without a secret, one is created in `<data-dir>/rules-webhook.secret` (mode 0600)
/// on first start, like the admin key, so rule webhooks are always signed.
public struct RuleWebhooksConfiguration: Codable, Sendable {
    /// The HMAC-SHA256 secret (or give `secretFile`).
    public var secret: String?
    /// A file whose first line is the secret.
    public var secretFile: String?
    /// Per-request timeout in seconds (default 10).
    public var timeoutSeconds: Double?
    /// Retry backoff (defaults: 1 s base, ×2, 5 min max, 20 attempts).
    public var retry: RetryPolicy?

    public init(secret: String? = nil, secretFile: String? = nil, timeoutSeconds: Double? = nil, retry: RetryPolicy? = nil) {
        self.secret = secret
        self.secretFile = secretFile
        self.timeoutSeconds = timeoutSeconds
        self.retry = retry
    }

    /// The file the generated secret lives in.
    static func generatedSecretPath(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("rules-webhook.secret")
    }

    func sender(dataDirectory: String, client: WebhookHTTPClient) throws -> RuleWebhookSender {
        var secret = self.secret
        if let secretFile {
            guard let text = try? String(contentsOfFile: secretFile, encoding: .utf8) else {
                throw ServerAppError.invalidConfiguration("ruleWebhooks.secretFile: cannot read \(secretFile)")
            }
            secret = text.split(whereSeparator: \.isNewline).first.map(String.init)
        }
        if secret == nil {
            let path = Self.generatedSecretPath(dataDirectory: dataDirectory)
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let line = text.split(whereSeparator: \.isNewline).first, !line.isEmpty {
                secret = String(line)
            } else {
                var rng = SystemRandomNumberGenerator()
                let generated = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
                guard FileManager.default.createFile(atPath: path, contents: Data((generated + "\n").utf8),
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw ServerAppError.dataDirectory("cannot write \(path)")
                }
                secret = generated
            }
        }
        do { return try RuleWebhookSender(secret: secret ?? "", timeoutSeconds: timeoutSeconds ?? 10, client: client) } catch {
            throw ServerAppError.invalidConfiguration("ruleWebhooks: \(error)")
        }
    }
}

/// Feeds the event detectors from the uplink pipeline: every telemetry sample written, plus one
/// `uplink` sample (value 1) per uplink so absence detectors see arrivals.
struct EventsFeed: Sendable {
    /// The metric of the arrival sample written for every uplink.
    static let arrivalMetric = "uplink"
    let service: EventsService
    /// The one HTTP client of the alert and rule webhooks (shut down by `EventsRunService`).
    let httpClient: WebhookHTTPClient
    let logger: Logger

    /// Opens (creating) `<data-dir>/events.sqlite` with the detectors stored there (possibly none:
    /// rules raise alerts and send webhooks through it too, and detectors can be added at run time).
    static func open(dataDirectory: String, bus: MessageBus, registry: SQLiteRegistry, webhook: AlertWebhookConfiguration?,
                     ruleWebhooks: RuleWebhooksConfiguration?, logger: Logger) throws -> EventsFeed {
        let path = (dataDirectory as NSString).appendingPathComponent(AlertStore.fileName)
        let definitions: [DetectorDefinition]
        do { definitions = try AlertStore(path: path).detectors() } catch {
            throw ServerAppError.dataDirectory("events store: \(error)")
        }
        var hooks: [any AlertHook] = [ApplicationAlertHook(bus: BrokerAlertBus(bus: bus), registry: registry)]
        let client = WebhookHTTPClient()
        if let webhook { hooks.append(try webhook.hook(client: client)) }
        let rules = ruleWebhooks ?? RuleWebhooksConfiguration()
        let sender = try rules.sender(dataDirectory: dataDirectory, client: client)
        let service: EventsService
        do {
            service = try EventsService(storePath: path, definitions: definitions, hooks: hooks, ruleWebhooks: sender,
                                        rulePolicy: rules.retry ?? RetryPolicy())
        } catch {
            throw ServerAppError.invalidConfiguration("event detectors: \(error)")
        }
        for note in service.restoreNotes {
            logger.warning("event detectors: \(note)")
        }
        logger.info("event detectors loaded", metadata: ["events.detectors": "\(definitions.count)", "events.hooks": "\(hooks.map(\.id))"])
        return EventsFeed(service: service, httpClient: client, logger: logger)
    }

    /// Feeds one uplink's samples (already filtered like the telemetry write).
    func ingest(device: String, application: String, deviceProfile: String, time: Int64, metrics: [(metric: String, value: Double)]) async {
        guard service.hasDetectors.value else { return }
        var samples = metrics.map { Sample(time: time, device: device, metric: $0.metric, value: $0.value,
                                           application: application, deviceProfile: deviceProfile) }
        samples.append(Sample(time: time, device: device, metric: Self.arrivalMetric, value: 1, application: application,
                              deviceProfile: deviceProfile))
        do {
            for t in try await service.ingest(samples) {
                logger.info("alert transition", metadata: ["alert.id": "\(t.alert.id)", "alert.transition": "\(t.transition.rawValue)"])
            }
        } catch {
            logger.error("event detectors: ingest failed", metadata: ["device.dev_eui": "\(device)", "error": "\(error)"])
        }
    }
}

/// Ticks the detectors with the wall clock every `interval` and runs hook delivery (which drains
/// the outbox left by an earlier run first) until graceful shutdown; then closes the webhook
/// client's connections.
struct EventsRunService: Service {
    let feed: EventsFeed
    let interval: Duration
    /// How often the detectors' progress is saved when it changed (and always at shutdown), so a
    /// restart resumes pending durations, absence timers, windows and model states.
    var stateSaveIntervalMillis: Int64 = 5_000

    func run() async throws {
        let service = feed.service
        let logger = feed.logger
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await service.runDelivery() }
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            if try await service.reloadIfStoreChanged() {
                                let count = await service.definitions.count
                                logger.info("event detectors reloaded", metadata: ["events.detectors": "\(count)"])
                            }
                            _ = try await service.tick(now: Int64(Date().timeIntervalSince1970 * 1000))
                        } catch {
                            logger.error("event detectors: tick failed", metadata: ["error": "\(error)"])
                        }
                        do { try await service.saveStateIfDue(intervalMillis: stateSaveIntervalMillis) } catch {
                            logger.error("event detectors: cannot save their state", metadata: ["error": "\(error)"])
                        }
                        try? await Task.sleep(for: interval)
                    }
                }
            }
        }
        do {
            try await service.saveState()
            logger.info("event detectors: state saved")
        } catch {
            logger.error("event detectors: cannot save their state at shutdown", metadata: ["error": "\(error)"])
        }
        await feed.httpClient.shutdown()
    }
}
