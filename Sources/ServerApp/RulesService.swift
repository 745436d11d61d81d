import AlertHooks
import Broker
import Events
import Foundation
import LoRaWAN
import Logging
import MQTT
import NetworkServer
import NIOCore
public import Rules
import RulesHashing
import ServiceLifecycle
import TelemetryStore

/// The persisted rule definitions: `<data-dir>/rules.json`, a JSON array of `RuleDefinition`.
/// `lorikeet rules add/list/remove/enable/disable` and the HTTP API edit it; `serve` loads it at
/// start and reloads it when it changes (see ``RuleCatalog``).
public struct RuleFile: Sendable {
    public let path: String

    public init(dataDirectory: String) {
        path = (dataDirectory as NSString).appendingPathComponent("rules.json")
    }

    /// The definitions (none when the file does not exist).
    /// - Throws: `ServerAppError.invalidConfiguration` naming the file and what is wrong.
    public func load() throws -> [RuleDefinition] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        do { return try JSONDecoder().decode([RuleDefinition].self, from: data) } catch {
            throw ServerAppError.invalidConfiguration("\(path): \(error)")
        }
    }

    /// Replaces the file atomically (write to a temporary file, then rename). Every definition must compile.
    public func save(_ definitions: [RuleDefinition]) throws {
        for d in definitions { _ = try d.compile() }
        guard Set(definitions.map(\.name)).count == definitions.count else {
            throw ServerAppError.invalidConfiguration("rule names must be unique")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { try encoder.encode(definitions).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw ServerAppError.dataDirectory("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Identifies the file's current version (inode, size, modification time), nil when absent.
    /// An atomic replace always changes the inode, so two saves within one clock tick still differ.
    func stamp() -> [String]? {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return ["\(a[.systemFileNumber] ?? "")", "\(a[.size] ?? "")", "\((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"]
    }
}

/// Why a rule change was refused (the HTTP API maps these to 404/409/400).
public enum RuleCatalogError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case alreadyExists(String)
    case nameMismatch(path: String, body: String)

    public var description: String {
        switch self {
        case let .notFound(n): "no rule named \(n)"
        case let .alreadyExists(n): "a rule named \(n) exists"
        case let .nameMismatch(p, b): "the body names rule \(b) but the path names \(p)"
        }
    }
}

/// One enabled rule, compiled: what the evaluator runs.
struct CompiledRule: Sendable {
    let definition: RuleDefinition
    let rule: Rule
}

/// The rules of a running server: the definitions in `rules.json` and the compiled enabled ones.
///
/// Changes through the HTTP API go through here: validated, written to the file, then swapped in
/// at once, together with the rules service's bus subscription (``observe(_:)``), before the edit
/// returns. Changes by other processes (`lorikeet rules add` while `serve` runs) are noticed by
/// ``reloadIfChanged()``, which the rules service calls every second. Edits are serialised within
/// the process; two processes editing at the same instant can lose one edit (the last rename wins).
public final class RuleCatalog: @unchecked Sendable {
    let file: RuleFile
    private let lock = NSLock()
    private var definitions: [RuleDefinition] = []
    private var compiled: [CompiledRule] = []
    private var stamp: [String]?
    private var observer: (@Sendable ([CompiledRule]) -> Void)?

    /// Loads `<data-dir>/rules.json`.
    /// - Throws: `ServerAppError.invalidConfiguration` when a stored rule does not compile.
    public init(dataDirectory: String) throws {
        file = RuleFile(dataDirectory: dataDirectory)
        let stamp = file.stamp()
        let defs = try file.load()
        try install(defs, stamp: stamp)
    }

    private func install(_ defs: [RuleDefinition], stamp: [String]?) throws {
        var out: [CompiledRule] = []
        for d in defs where d.enabled {
            do { out.append(CompiledRule(definition: d, rule: try d.compile())) } catch {
                throw ServerAppError.invalidConfiguration("rule \(d.name): \(error)")
            }
        }
        lock.lock()
        definitions = defs
        compiled = out
        self.stamp = stamp
        observer?(out)
        lock.unlock()
    }

    /// Calls `body` with the enabled rules now and again after every change (an edit or a
    /// reload), with the catalog's lock held: calls come in the order of the changes, and an
    /// edit returns only after `body` has seen it. `body` must not call back into the catalog.
    /// One observer at a time (the rules service); `nil` removes it.
    func observe(_ body: (@Sendable ([CompiledRule]) -> Void)?) {
        lock.lock(); defer { lock.unlock() }
        observer = body
        body?(compiled)
    }

    /// The enabled rules, compiled (a snapshot; cheap to take per message).
    var enabled: [CompiledRule] {
        lock.lock(); defer { lock.unlock() }
        return compiled
    }

    /// Every definition, in file order.
    public var all: [RuleDefinition] {
        lock.lock(); defer { lock.unlock() }
        return definitions
    }

    /// One definition by name.
    public func rule(named name: String) -> RuleDefinition? {
        all.first { $0.name == name }
    }

    /// Re-reads the file when another process changed it. Returns whether the rules changed.
    /// An unreadable or invalid file keeps the running rules (and the error is thrown to be logged).
    @discardableResult
    public func reloadIfChanged() throws -> Bool {
        let current = file.stamp()
        lock.lock()
        let known = stamp
        lock.unlock()
        guard current != known else { return false }
        let defs = try file.load()
        try install(defs, stamp: current)
        return true
    }

    /// Applies an edit to the definitions: validated, saved, then running.
    private func edit(_ change: (inout [RuleDefinition]) throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        var defs = (try? file.load()) ?? definitions   // start from the file: another process may have edited it
        try change(&defs)
        var out: [CompiledRule] = []
        for d in defs {
            let rule = try d.compile()   // RulesError (syntax errors say where) reaches the API as is
            if d.enabled { out.append(CompiledRule(definition: d, rule: rule)) }
        }
        try file.save(defs)
        definitions = defs
        compiled = out
        stamp = file.stamp()
        observer?(out)
    }

    /// Adds a rule. - Throws: ``RuleCatalogError/alreadyExists(_:)``, `RulesError`.
    public func create(_ d: RuleDefinition) throws {
        try edit { defs in
            guard !defs.contains(where: { $0.name == d.name }) else { throw RuleCatalogError.alreadyExists(d.name) }
            defs.append(d)
        }
    }

    /// Adds or replaces a rule (the CLI's `rules add`).
    public func upsert(_ d: RuleDefinition) throws {
        try edit { defs in
            if let i = defs.firstIndex(where: { $0.name == d.name }) { defs[i] = d } else { defs.append(d) }
        }
    }

    /// Replaces an existing rule. - Throws: ``RuleCatalogError/notFound(_:)``, `RulesError`.
    public func replace(name: String, with d: RuleDefinition) throws {
        guard d.name == name else { throw RuleCatalogError.nameMismatch(path: name, body: d.name) }
        try edit { defs in
            guard let i = defs.firstIndex(where: { $0.name == name }) else { throw RuleCatalogError.notFound(name) }
            defs[i] = d
        }
    }

    /// Deletes a rule. - Throws: ``RuleCatalogError/notFound(_:)``.
    public func delete(name: String) throws {
        try edit { defs in
            guard defs.contains(where: { $0.name == name }) else { throw RuleCatalogError.notFound(name) }
            defs.removeAll { $0.name == name }
        }
    }

    /// Enables or disables a rule; returns the new definition. - Throws: ``RuleCatalogError/notFound(_:)``.
    @discardableResult
    public func setEnabled(name: String, _ enabled: Bool) throws -> RuleDefinition {
        var result: RuleDefinition?
        try edit { defs in
            guard let i = defs.firstIndex(where: { $0.name == name }) else { throw RuleCatalogError.notFound(name) }
            defs[i].enabled = enabled
            result = defs[i]
        }
        guard let result else { throw RuleCatalogError.notFound(name) }
        return result
    }
}

/// Evaluates the enabled rules over the messages on the broker's in-process bus (MQTT clients'
/// and the server's own events) and executes the resolved actions: `republish` (bus),
/// `storeTelemetry` (telemetry store), `downlink` (network server queue), `webhook` (the durable
/// rule-webhook outbox in events.sqlite, delivered signed with retries) and `alert` (an alert in
/// events.sqlite, published on MQTT and sent to the alert hooks). When an action fails, the rule's
/// `errorAction` runs with AWS's error payload.
///
/// The service subscribes to exactly the union of the enabled rules' FROM filters (one
/// ``RuleSubscription``: one bus subscriber whatever the number of filters, each message once).
/// With no enabled rule it holds no subscription, and messages no rule can match never wake it.
/// Every change to the rule set (HTTP API, `rules.json` reload) replaces filters and rules
/// atomically on the bus: each message is evaluated by the rules enabled when it was published.
/// The payload is parsed once and shared by every rule that matches. A message a rule
/// republished carries a user property naming the rule and is not evaluated by that rule again,
/// so a rule cannot feed itself forever.
struct RulesService: Service {
    let catalog: RuleCatalog
    let bus: MessageBus
    let telemetry: TelemetryStore
    let networkServer: NetworkServer
    let events: EventsService
    let logger: Logger
    let metrics = RuleMetrics()
    /// How often `rules.json` is checked for changes by other processes.
    var reloadInterval: Duration = .seconds(1)
    static let originProperty = "lorikeet-rule"

    func run() async throws {
        let subscription: RuleSubscription
        do { subscription = try RuleSubscription(catalog: catalog, bus: bus, bufferSize: 100_000, logger: logger) } catch {
            logger.error("rules cannot subscribe to the bus", metadata: ["error": "\(error)"])
            return
        }
        defer { subscription.cancel() }
        logger.info("rules running", metadata: ["rules.count": "\(catalog.enabled.count)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await delivery in subscription.deliveries { await handle(delivery.message, rules: delivery.tag) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: reloadInterval)
                    do {
                        if try catalog.reloadIfChanged() {
                            logger.info("rules reloaded", metadata: ["rules.count": "\(catalog.enabled.count)"])
                        }
                    } catch {
                        logger.error("rules.json changed but cannot be loaded; keeping the running rules", metadata: ["error": "\(error)"])
                    }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    /// Evaluates one bus message against the rules that were enabled when it was published and
    /// whose filter matches its topic.
    func handle(_ m: BrokerMessage, rules: [CompiledRule]) async {
        let matching = RuleSubscription.rules(for: m, among: rules)
        guard !matching.isEmpty else { return }
        let bytes = m.payload.getBytes(at: m.payload.readerIndex, length: m.payload.readableBytes) ?? []
        // Parsed once, shared by every matching rule.
        let message = RuleMessage(bytes: bytes, context: MessageContext(topic: m.topic, clientID: m.publisherClientID,
                                                                         timestamp: Int64(Date().timeIntervalSince1970 * 1000)))
        for r in matching {
            await execute(r.definition, r.rule, message)
        }
    }

    func execute(_ definition: RuleDefinition, _ rule: Rule, _ message: RuleMessage) async {
        let evaluation = rule.evaluate(message, hashing: OpenSSLHashProvider())
        guard case let .fired(output) = evaluation else {
            if case .conditionFalse = evaluation { metrics.conditionFalse.increment() }
            return
        }
        metrics.fired.increment()
        var failures: [(action: String, error: String)] = []
        for action in definition.actions {
            do { try await perform(try action.resolve(output: output, message: message, sqlVersion: rule.sqlVersion), rule: definition.name, time: message.context.timestamp) } catch {
                failures.append((action: action.kind, error: "\(error)"))
            }
        }
        guard !failures.isEmpty else { return }
        metrics.actionFailures.increment(by: failures.count)
        logger.warning("rule action failed", metadata: ["rule.name": "\(definition.name)", "failures": "\(failures.map { "\($0.action): \($0.error)" })"])
        if let errorAction = definition.errorAction {
            let payload = RuleOutput.json(definition.errorPayload(message: message, failures: failures))
            do { try await perform(try errorAction.resolve(output: payload, message: message, sqlVersion: rule.sqlVersion), rule: definition.name, time: message.context.timestamp) } catch {
                logger.error("rule error action failed", metadata: ["rule.name": "\(definition.name)", "error": "\(error)"])
            }
        }
    }

    struct NotExecuted: Error, CustomStringConvertible {
        let description: String
    }

    func perform(_ action: ResolvedAction, rule: String, time: Int64) async throws {
        switch action {
        case let .publish(topic, payload, qos, retain):
            var properties = MQTTProperties()
            properties.userProperties = [UserProperty(Self.originProperty, rule)]
            try bus.publish(topic: topic, payload: ByteBuffer(bytes: payload), retain: retain,
                            qos: qos >= 1 ? .atLeastOnce : .atMostOnce, properties: properties)
        case let .storeTelemetry(device, time, metrics):
            try telemetry.write(metrics.map { TelemetryPoint(device: device, metric: $0.name, time: time, value: $0.value) })
        case let .enqueueDownlink(devEUI, fPort, data, confirmed):
            guard let eui = try? EUI64(hex: devEUI), let port = UInt8(exactly: fPort) else {
                throw NotExecuted(description: "downlink: bad devEUI \(devEUI) or fPort \(fPort)")
            }
            _ = try await networkServer.enqueueDownlink(devEUI: eui, fPort: port, data: data, confirmed: confirmed)
        case let .httpRequest(method, url, headers, body):
            try events.enqueueRuleWebhook(rule: rule, method: method, url: url,
                                                headers: headers.map { (name: $0.name, value: $0.value) }, body: body, time: time)
        case let .raiseAlert(name, severity, message, dedupKey, _):
            guard let s = Severity(rawValue: severity.rawValue) else { throw NotExecuted(description: "alert: unknown severity") }
            if let t = try await events.raiseRuleAlert(name: name, severity: s, message: message, dedupKey: dedupKey, time: time) {
                logger.info("alert transition", metadata: ["alert.id": "\(t.alert.id)", "alert.transition": "\(t.transition.rawValue)"])
            }
        }
    }
}
