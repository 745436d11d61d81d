import Foundation

/// Alert severity for the raise-alert action.
public enum AlertSeverity: String, Sendable, Hashable, Codable, CaseIterable {
    case info, warning, critical
}

/// What a rule does when it fires, as a value the server persists and executes (the I/O is not
/// this module's: ``resolve(output:message:sqlVersion:)`` turns an action into a concrete
/// ``ResolvedAction`` and the server carries it out).
///
/// JSON form, one key per action as in AWS's `actions` list:
/// ```json
/// {"republish": {"topic": "alerts/${topic(4)}", "qos": 1}}
/// {"storeTelemetry": {"device": "${topic(4)}", "metrics": {"temperature": "temp"}}}
/// {"webhook": {"url": "https://example.com/hook", "headers": {"X-Device": "${topic(4)}"}}}
/// {"downlink": {"devEUI": "${topic(4)}", "fPort": 10, "data": "${encode(cmd, 'base64')}"}}
/// {"alert": {"name": "freezer_warm", "severity": "critical", "message": "${temp} °C"}}
/// ```
public enum RuleAction: Sendable, Hashable, Codable {
    /// Publish the rule output on a topic (AWS "Republish").
    case republish(Republish)
    /// Store chosen numeric fields of the output as telemetry metrics.
    case storeTelemetry(StoreTelemetry)
    /// POST the rule output to a URL (AWS "HTTP").
    case webhook(Webhook)
    /// Enqueue a downlink to a device.
    case downlink(Downlink)
    /// Raise an alert (handed to the events side).
    case alert(Alert)

    /// Republish: topic template, QoS 0/1, retain flag.
    public struct Republish: Sendable, Hashable, Codable {
        /// The topic to publish on (templates allowed; must resolve without wildcards).
        public var topic: SubstitutionTemplate
        /// MQTT QoS, 0 or 1.
        public var qos: Int
        /// The MQTT retain flag.
        public var retain: Bool
        /// A republish action.
        public init(topic: SubstitutionTemplate, qos: Int = 0, retain: Bool = false) {
            self.topic = topic; self.qos = qos; self.retain = retain
        }
        enum CodingKeys: String, CodingKey { case topic, qos, retain }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            topic = try c.decode(SubstitutionTemplate.self, forKey: .topic)
            qos = try c.decodeIfPresent(Int.self, forKey: .qos) ?? 0
            retain = try c.decodeIfPresent(Bool.self, forKey: .retain) ?? false
        }
    }

    /// Store telemetry: `metrics` maps a metric name to a dotted path in the rule output; when nil,
    /// every numeric top-level field of the output is stored under its own name. `time`, when set,
    /// is a template giving epoch milliseconds; otherwise the message timestamp is used.
    public struct StoreTelemetry: Sendable, Hashable, Codable {
        /// The device the metrics belong to (templates allowed, e.g. `${topic(4)}`).
        public var device: SubstitutionTemplate
        /// Metric name → dotted path in the rule output; nil stores every numeric top-level field.
        public var metrics: [String: String]?
        /// Epoch milliseconds (template); nil uses the message timestamp.
        public var time: SubstitutionTemplate?
        /// A store-telemetry action.
        public init(device: SubstitutionTemplate, metrics: [String: String]? = nil, time: SubstitutionTemplate? = nil) {
            self.device = device; self.metrics = metrics; self.time = time
        }
    }

    /// Webhook: URL and header templates; the body is the rule output.
    public struct Webhook: Sendable, Hashable, Codable {
        /// The URL (http or https; templates allowed).
        public var url: SubstitutionTemplate
        /// POST or PUT.
        public var method: String
        /// Extra headers (templates allowed).
        public var headers: [String: SubstitutionTemplate]
        /// A webhook action.
        public init(url: SubstitutionTemplate, method: String = "POST", headers: [String: SubstitutionTemplate] = [:]) {
            self.url = url; self.method = method; self.headers = headers
        }
        enum CodingKeys: String, CodingKey { case url, method, headers }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(SubstitutionTemplate.self, forKey: .url)
            method = try c.decodeIfPresent(String.self, forKey: .method) ?? "POST"
            headers = try c.decodeIfPresent([String: SubstitutionTemplate].self, forKey: .headers) ?? [:]
        }
    }

    /// Downlink: device, FPort (1…223), and the bytes as a base64 template (empty for none).
    public struct Downlink: Sendable, Hashable, Codable {
        /// The device (16 hex digits once substituted).
        public var devEUI: SubstitutionTemplate
        /// LoRaWAN FPort, 1…223.
        public var fPort: Int
        /// The payload as base64 (template, e.g. `${encode(cmd, 'base64')}`).
        public var data: SubstitutionTemplate
        /// Whether the downlink is confirmed.
        public var confirmed: Bool
        /// A downlink action.
        public init(devEUI: SubstitutionTemplate, fPort: Int, data: SubstitutionTemplate, confirmed: Bool = false) {
            self.devEUI = devEUI; self.fPort = fPort; self.data = data; self.confirmed = confirmed
        }
        enum CodingKeys: String, CodingKey { case devEUI, fPort, data, confirmed }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            devEUI = try c.decode(SubstitutionTemplate.self, forKey: .devEUI)
            fPort = try c.decode(Int.self, forKey: .fPort)
            data = try c.decode(SubstitutionTemplate.self, forKey: .data)
            confirmed = try c.decodeIfPresent(Bool.self, forKey: .confirmed) ?? false
        }
    }

    /// Alert: name, severity, message template and an optional deduplication key template.
    public struct Alert: Sendable, Hashable, Codable {
        /// The alert name (templates allowed).
        public var name: SubstitutionTemplate
        /// Severity.
        public var severity: AlertSeverity
        /// A human-readable message (template).
        public var message: SubstitutionTemplate?
        /// Deduplication key (template); nil means `name|topic`.
        public var dedupKey: SubstitutionTemplate?
        /// An alert action.
        public init(name: SubstitutionTemplate, severity: AlertSeverity = .warning,
                    message: SubstitutionTemplate? = nil, dedupKey: SubstitutionTemplate? = nil) {
            self.name = name; self.severity = severity; self.message = message; self.dedupKey = dedupKey
        }
        enum CodingKeys: String, CodingKey { case name, severity, message, dedupKey }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(SubstitutionTemplate.self, forKey: .name)
            severity = try c.decodeIfPresent(AlertSeverity.self, forKey: .severity) ?? .warning
            message = try c.decodeIfPresent(SubstitutionTemplate.self, forKey: .message)
            dedupKey = try c.decodeIfPresent(SubstitutionTemplate.self, forKey: .dedupKey)
        }
    }

    /// The action's kind, as in its JSON key (`republish`, `storeTelemetry`, …).
    public var kind: String {
        switch self {
        case .republish: "republish"
        case .storeTelemetry: "storeTelemetry"
        case .webhook: "webhook"
        case .downlink: "downlink"
        case .alert: "alert"
        }
    }

    enum Key: String, CodingKey { case republish, storeTelemetry, webhook, downlink, alert }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "an action is an object with exactly one of: republish, storeTelemetry, webhook, downlink, alert"))
        }
        switch key {
        case .republish: self = .republish(try c.decode(Republish.self, forKey: key))
        case .storeTelemetry: self = .storeTelemetry(try c.decode(StoreTelemetry.self, forKey: key))
        case .webhook: self = .webhook(try c.decode(Webhook.self, forKey: key))
        case .downlink: self = .downlink(try c.decode(Downlink.self, forKey: key))
        case .alert: self = .alert(try c.decode(Alert.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .republish(let a): try c.encode(a, forKey: .republish)
        case .storeTelemetry(let a): try c.encode(a, forKey: .storeTelemetry)
        case .webhook(let a): try c.encode(a, forKey: .webhook)
        case .downlink(let a): try c.encode(a, forKey: .downlink)
        case .alert(let a): try c.encode(a, forKey: .alert)
        }
    }

    /// Checks static constraints (QoS, FPort, URL scheme, HTTP method).
    /// - Throws: ``RulesError/invalidRule(message:)``.
    public func validate() throws(RulesError) {
        switch self {
        case .republish(let a):
            guard (0...1).contains(a.qos) else { throw .invalidRule(message: "republish qos must be 0 or 1") }
            guard !a.topic.text.isEmpty else { throw .invalidRule(message: "republish topic is empty") }
        case .webhook(let a):
            guard ["POST", "PUT"].contains(a.method.uppercased()) else {
                throw .invalidRule(message: "webhook method must be POST or PUT")
            }
            let url = a.url.text.lowercased()
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .invalidRule(message: "webhook url must start with http:// or https://")
            }
        case .downlink(let a):
            guard (1...223).contains(a.fPort) else { throw .invalidRule(message: "downlink fPort must be 1…223") }
        case .storeTelemetry(let a):
            if let m = a.metrics, m.isEmpty { throw .invalidRule(message: "storeTelemetry metrics is empty (omit it to store every numeric field)") }
        case .alert(let a):
            guard !a.name.text.isEmpty else { throw .invalidRule(message: "alert name is empty") }
        }
    }
}
