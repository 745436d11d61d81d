import Foundation

/// An action with every template substituted and every value chosen: what the server executes.
public enum ResolvedAction: Sendable, Hashable {
    /// Publish `payload` on `topic`.
    case publish(topic: String, payload: [UInt8], qos: Int, retain: Bool)
    /// Store these points for `device` at `timeMilliseconds`.
    case storeTelemetry(device: String, timeMilliseconds: Int64, metrics: [Metric])
    /// Send this HTTP request (the body is the rule output).
    case httpRequest(method: String, url: String, headers: [Header], body: [UInt8])
    /// Queue this downlink for the device.
    case enqueueDownlink(devEUI: String, fPort: Int, data: [UInt8], confirmed: Bool)
    /// Raise (or refresh, by `dedupKey`) an alert; `details` is the rule output.
    case raiseAlert(name: String, severity: AlertSeverity, message: String, dedupKey: String, details: JSONValue)

    /// One telemetry point.
    public struct Metric: Sendable, Hashable {
        /// Metric name.
        public var name: String
        /// Value.
        public var value: Double
    }

    /// One HTTP header.
    public struct Header: Sendable, Hashable {
        /// Header name.
        public var name: String
        /// Header value.
        public var value: String
    }
}

extension RuleOutput {
    /// The bytes an action sends: JSON text, the raw binary, or nothing for Undefined.
    public var bytes: [UInt8] {
        switch self {
        case .json(let v): Array(v.jsonText.utf8)
        case .binary(let b): b
        case .undefined: []
        }
    }
}

extension RuleAction {
    /// Substitutes templates and picks values for one fired message.
    /// - Throws: ``RulesError/invalidRule(message:)`` when the message makes the action impossible
    ///   (a topic with wildcards, no numeric metric, undecodable downlink data); the server then runs
    ///   the rule's error action.
    public func resolve(output: RuleOutput, message: RuleMessage,
                        sqlVersion: String = Rule.defaultSQLVersion) throws(RulesError) -> ResolvedAction {
        switch self {
        case .republish(let a):
            let topic = a.topic.render(message, sqlVersion: sqlVersion)
            guard !topic.isEmpty, !topic.contains("+"), !topic.contains("#") else {
                throw .invalidRule(message: "republish topic '\(topic)' is empty or contains a wildcard")
            }
            return .publish(topic: topic, payload: output.bytes, qos: a.qos, retain: a.retain)
        case .storeTelemetry(let a):
            let device = a.device.render(message, sqlVersion: sqlVersion)
            guard !device.isEmpty else { throw .invalidRule(message: "storeTelemetry device resolved to an empty string") }
            guard case .json(.object(let object)) = output else {
                throw .invalidRule(message: "storeTelemetry needs an object output")
            }
            var metrics: [ResolvedAction.Metric] = []
            if let mapping = a.metrics {
                for (name, path) in mapping.sorted(by: { $0.key < $1.key }) {
                    var value: JSONValue? = .object(object)
                    for key in path.split(separator: ".") { value = value?[String(key)] }
                    if let d = RuleAction.number(value) { metrics.append(.init(name: name, value: d)) }
                }
            } else {
                for m in object.members {
                    if let d = RuleAction.number(m.value) { metrics.append(.init(name: m.key, value: d)) }
                }
            }
            guard !metrics.isEmpty else { throw .invalidRule(message: "storeTelemetry found no numeric metric in the output") }
            var time = message.context.timestamp
            if let t = a.time {
                guard let ms = Int64(t.render(message, sqlVersion: sqlVersion)) else {
                    throw .invalidRule(message: "storeTelemetry time did not resolve to integer milliseconds")
                }
                time = ms
            }
            return .storeTelemetry(device: device, timeMilliseconds: time, metrics: metrics)
        case .webhook(let a):
            let headers = a.headers.sorted { $0.key < $1.key }.map {
                ResolvedAction.Header(name: $0.key, value: $0.value.render(message, sqlVersion: sqlVersion))
            }
            let url = a.url.render(message, sqlVersion: sqlVersion)
            guard URL(string: url)?.host != nil else { throw .invalidRule(message: "webhook url '\(url)' is not a valid URL") }
            return .httpRequest(method: a.method.uppercased(), url: url, headers: headers, body: output.bytes)
        case .downlink(let a):
            let devEUI = a.devEUI.render(message, sqlVersion: sqlVersion)
            guard devEUI.count == 16, devEUI.allSatisfy(\.isHexDigit) else {
                throw .invalidRule(message: "downlink devEUI '\(devEUI)' is not 16 hex digits")
            }
            let text = a.data.render(message, sqlVersion: sqlVersion)
            guard let data = Data(base64Encoded: text) else {
                throw .invalidRule(message: "downlink data is not base64")
            }
            return .enqueueDownlink(devEUI: devEUI.lowercased(), fPort: a.fPort, data: [UInt8](data), confirmed: a.confirmed)
        case .alert(let a):
            let name = a.name.render(message, sqlVersion: sqlVersion)
            let details: JSONValue
            if case .json(let v) = output { details = v } else { details = .null }
            let dedupKey = a.dedupKey?.render(message, sqlVersion: sqlVersion) ?? (name + "|" + message.context.topic)
            return .raiseAlert(name: name, severity: a.severity,
                               message: a.message?.render(message, sqlVersion: sqlVersion) ?? "",
                               dedupKey: dedupKey, details: details)
        }
    }

    static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .int(let i): Double(i)
        case .decimal(let d): d.double
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }
}
