import Broker
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
/// `lorikeet rules add/list/remove` edit it; `serve` loads it at start.
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

    /// Replaces the file atomically. Every definition must compile.
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
}

/// Evaluates every enabled rule over the broker messages its FROM filter matches (MQTT clients'
/// and the server's own events, through the in-process bus) and executes the resolved actions:
/// `republish` (bus), `storeTelemetry` (telemetry store), `downlink` (network server queue).
/// `webhook` and `alert` actions are not executed by `serve` yet: they fail, which runs the
/// rule's `errorAction`. A message a rule republished carries a user property naming the rule and
/// is not evaluated by that rule again, so a rule cannot feed itself forever.
struct RulesService: Service {
    let rules: [(definition: RuleDefinition, rule: Rule)]
    let bus: MessageBus
    let telemetry: TelemetryStore
    let networkServer: NetworkServer
    let logger: Logger
    let metrics = RuleMetrics()
    static let originProperty = "lorikeet-rule"

    func run() async throws {
        var streams: [(RuleDefinition, Rule, AsyncStream<BrokerMessage>)] = []
        for (d, r) in rules {
            do { streams.append((d, r, try bus.subscribe(filter: r.topicFilter.description, includeRetained: false))) } catch {
                logger.error("rule cannot subscribe", metadata: ["rule.name": "\(d.name)", "error": "\(error)"])
            }
        }
        if !streams.isEmpty { logger.info("rules running", metadata: ["rules.count": "\(streams.count)"]) }
        await withTaskGroup(of: Void.self) { group in
            for (d, r, stream) in streams {
                group.addTask {
                    for await message in stream { await execute(d, r, message) }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    func execute(_ definition: RuleDefinition, _ rule: Rule, _ m: BrokerMessage) async {
        if m.properties.userProperties.contains(where: { $0.name == Self.originProperty && $0.value == definition.name }) { return }
        let bytes = m.payload.getBytes(at: m.payload.readerIndex, length: m.payload.readableBytes) ?? []
        let message = RuleMessage(bytes: bytes, context: MessageContext(topic: m.topic, clientID: m.publisherClientID,
                                                                         timestamp: Int64(Date().timeIntervalSince1970 * 1000)))
        let evaluation = rule.evaluate(message, hashing: OpenSSLHashProvider())
        guard case let .fired(output) = evaluation else {
            if case .conditionFalse = evaluation { metrics.conditionFalse.increment() }
            return
        }
        metrics.fired.increment()
        var failures: [(action: String, error: String)] = []
        for action in definition.actions {
            do { try await perform(try action.resolve(output: output, message: message, sqlVersion: rule.sqlVersion), rule: definition.name) } catch {
                failures.append((action: Self.name(of: action), error: "\(error)"))
            }
        }
        guard !failures.isEmpty else { return }
        metrics.actionFailures.increment(by: failures.count)
        logger.warning("rule action failed", metadata: ["rule.name": "\(definition.name)", "failures": "\(failures.map { "\($0.action): \($0.error)" })"])
        if let errorAction = definition.errorAction {
            let payload = RuleOutput.json(definition.errorPayload(message: message, failures: failures))
            do { try await perform(try errorAction.resolve(output: payload, message: message, sqlVersion: rule.sqlVersion), rule: definition.name) } catch {
                logger.error("rule error action failed", metadata: ["rule.name": "\(definition.name)", "error": "\(error)"])
            }
        }
    }

    struct NotExecuted: Error, CustomStringConvertible {
        let description: String
    }

    func perform(_ action: ResolvedAction, rule: String) async throws {
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
        case .httpRequest:
            throw NotExecuted(description: "webhook actions are not executed by serve yet")
        case .raiseAlert:
            throw NotExecuted(description: "alert actions are not executed by serve yet")
        }
    }

    static func name(of action: RuleAction) -> String {
        switch action {
        case .republish: "republish"
        case .storeTelemetry: "storeTelemetry"
        case .webhook: "webhook"
        case .downlink: "downlink"
        case .alert: "alert"
        }
    }
}
