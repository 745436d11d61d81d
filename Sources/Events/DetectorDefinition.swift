public import Foundation

/// Which devices a detector watches.
///
/// JSON: `{}` or absent (every device), `{"application": "cold-chain"}`,
/// `{"deviceProfile": "freezer-v2"}`, `{"device": "0004a30b001c0530"}`.
public enum DetectorScope: Codable, Equatable, Sendable {
    case all
    case application(String)
    case deviceProfile(String)
    case device(String)

    enum CodingKeys: String, CodingKey { case application, deviceProfile, device }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let present = c.allKeys
        guard present.count <= 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "scope names more than one of application, deviceProfile, device"))
        }
        if let a = try c.decodeIfPresent(String.self, forKey: .application) { self = .application(a) }
        else if let p = try c.decodeIfPresent(String.self, forKey: .deviceProfile) { self = .deviceProfile(p) }
        else if let d = try c.decodeIfPresent(String.self, forKey: .device) { self = .device(d) }
        else { self = .all }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .all: break
        case let .application(a): try c.encode(a, forKey: .application)
        case let .deviceProfile(p): try c.encode(p, forKey: .deviceProfile)
        case let .device(d): try c.encode(d, forKey: .device)
        }
    }

    /// Whether a sample belongs to this scope.
    public func matches(_ sample: Sample) -> Bool {
        switch self {
        case .all: true
        case let .application(a): sample.application == a
        case let .deviceProfile(p): sample.deviceProfile == p
        case let .device(d): sample.device == d
        }
    }
}

/// The kind of a detector with its parameters.
public enum DetectorKind: Equatable, Sendable {
    case threshold(ThresholdParameters)
    case absence(AbsenceParameters)
    case rateOfChange(RateParameters)
    case anomaly(AnomalyParameters)
    case stateMachine(StateMachineModel)

    /// The JSON key and the `detector_type` column value.
    public var typeName: String {
        switch self {
        case .threshold: "threshold"
        case .absence: "absence"
        case .rateOfChange: "rateOfChange"
        case .anomaly: "anomaly"
        case .stateMachine: "stateMachine"
        }
    }
}

/// A detector as users write it and the server persists it.
///
/// ```json
/// {"id": "freezer-warm", "name": "Freezer too warm", "scope": {"deviceProfile": "freezer"},
///  "severity": "critical",
///  "threshold": {"metric": "temperature", "direction": "above", "threshold": -15,
///                "durationSeconds": 600, "hysteresis": 1}}
/// ```
/// Exactly one of `threshold`, `absence`, `rateOfChange`, `anomaly`, `stateMachine` is present.
public struct DetectorDefinition: Codable, Equatable, Sendable {
    /// A stable identifier: letters, digits, `-`, `_`, `.` (1…64 characters). Alert ids embed it.
    public var id: String
    public var name: String?
    public var scope: DetectorScope
    public var severity: Severity
    public var enabled: Bool
    public var kind: DetectorKind

    public init(id: String, name: String? = nil, scope: DetectorScope = .all, severity: Severity = .warning,
                enabled: Bool = true, kind: DetectorKind) {
        self.id = id
        self.name = name
        self.scope = scope
        self.severity = severity
        self.enabled = enabled
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey {
        case id, name, scope, severity, enabled, threshold, absence, rateOfChange, anomaly, stateMachine
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        scope = try c.decodeIfPresent(DetectorScope.self, forKey: .scope) ?? .all
        severity = try c.decodeIfPresent(Severity.self, forKey: .severity) ?? .warning
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        var kinds: [DetectorKind] = []
        if let p = try c.decodeIfPresent(ThresholdParameters.self, forKey: .threshold) { kinds.append(.threshold(p)) }
        if let p = try c.decodeIfPresent(AbsenceParameters.self, forKey: .absence) { kinds.append(.absence(p)) }
        if let p = try c.decodeIfPresent(RateParameters.self, forKey: .rateOfChange) { kinds.append(.rateOfChange(p)) }
        if let p = try c.decodeIfPresent(AnomalyParameters.self, forKey: .anomaly) { kinds.append(.anomaly(p)) }
        if let p = try c.decodeIfPresent(StateMachineModel.self, forKey: .stateMachine) { kinds.append(.stateMachine(p)) }
        guard kinds.count == 1, let kind = kinds.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                debugDescription: "detector '\(id)' must have exactly one of threshold, absence, rateOfChange, anomaly, stateMachine (found \(kinds.count))"))
        }
        self.kind = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encode(scope, forKey: .scope)
        try c.encode(severity, forKey: .severity)
        try c.encode(enabled, forKey: .enabled)
        switch kind {
        case let .threshold(p): try c.encode(p, forKey: .threshold)
        case let .absence(p): try c.encode(p, forKey: .absence)
        case let .rateOfChange(p): try c.encode(p, forKey: .rateOfChange)
        case let .anomaly(p): try c.encode(p, forKey: .anomaly)
        case let .stateMachine(p): try c.encode(p, forKey: .stateMachine)
        }
    }

    /// Checks every parameter's range and parses the model's expressions.
    /// - Throws: `EventsError.invalidDefinition` or `.invalidExpression` naming the problem.
    public func validate() throws(EventsError) {
        func bad(_ reason: String) -> EventsError { .invalidDefinition(detector: id.isEmpty ? "?" : id, reason: reason) }
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95 || c == 46
        }) else { throw bad("id must be 1…64 of letters, digits, '-', '_', '.'") }
        func seconds(_ v: Double?, _ name: String, allowZero: Bool = true) throws(EventsError) {
            guard let v else { return }
            guard v.isFinite, allowZero ? v >= 0 : v > 0, v <= 1e9 else { throw bad("\(name) must be a number of seconds in \(allowZero ? "[0" : "(0"), 1e9]") }
        }
        func finite(_ v: Double, _ name: String) throws(EventsError) {
            guard v.isFinite else { throw bad("\(name) must be a finite number") }
        }
        func metric(_ m: String?) throws(EventsError) {
            if let m, m.isEmpty { throw bad("metric must not be empty") }
        }
        switch kind {
        case let .threshold(p):
            try metric(p.metric)
            try finite(p.threshold, "threshold")
            try seconds(p.durationSeconds, "durationSeconds")
            guard p.hysteresis.isFinite, p.hysteresis >= 0 else { throw bad("hysteresis must be a finite number ≥ 0") }
        case let .absence(p):
            try metric(p.metric)
            try seconds(p.timeoutSeconds, "timeoutSeconds", allowZero: false)
            guard p.timeoutSeconds != nil || p.intervalMultiple != nil else { throw bad("absence needs timeoutSeconds or intervalMultiple") }
            if let k = p.intervalMultiple, !(k.isFinite && k > 0 && k <= 1e6) { throw bad("intervalMultiple must be in (0, 1e6]") }
            guard (1...10_000).contains(p.historySize) else { throw bad("historySize must be in 1…10000") }
            guard (1...p.historySize).contains(p.minIntervals) else { throw bad("minIntervals must be in 1…historySize") }
        case let .rateOfChange(p):
            try metric(p.metric)
            try seconds(p.windowSeconds, "windowSeconds", allowZero: false)
            try finite(p.threshold, "threshold")
        case let .anomaly(p):
            try metric(p.metric)
            guard (2...100_000).contains(p.windowSize) else { throw bad("windowSize must be in 2…100000") }
            guard (2...p.windowSize).contains(p.minSamples) else { throw bad("minSamples must be in 2…windowSize") }
            guard p.threshold.isFinite, p.threshold > 0 else { throw bad("threshold must be a finite number > 0") }
            guard p.minSpread.isFinite, p.minSpread >= 0 else { throw bad("minSpread must be a finite number ≥ 0") }
        case let .stateMachine(model):
            _ = try CompiledModel(model, detector: id)
        }
    }

    /// Decodes and validates a detectors file: a JSON array of definitions, or `{"detectors": [...]}`.
    /// - Throws: `EventsError.invalidDefinition` for malformed JSON, a failed validation or a duplicate id.
    public static func decodeList(from data: Data) throws(EventsError) -> [DetectorDefinition] {
        struct Wrapper: Decodable { var detectors: [DetectorDefinition] }
        let list: [DetectorDefinition]
        do {
            let first = data.first { !($0 == 32 || $0 == 9 || $0 == 10 || $0 == 13) }
            if first == UInt8(ascii: "[") {
                list = try JSONDecoder().decode([DetectorDefinition].self, from: data)
            } else {
                list = try JSONDecoder().decode(Wrapper.self, from: data).detectors
            }
        } catch let DecodingError.dataCorrupted(ctx) {
            throw .invalidDefinition(detector: "?", reason: describe(ctx))
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw .invalidDefinition(detector: "?", reason: "missing '\(key.stringValue)' at \(path(ctx.codingPath))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .invalidDefinition(detector: "?", reason: "wrong type: \(describe(ctx))")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw .invalidDefinition(detector: "?", reason: "null value: \(describe(ctx))")
        } catch {
            throw .invalidDefinition(detector: "?", reason: "not a detectors file: \(error)")
        }
        var seen: Set<String> = []
        for d in list {
            try d.validate()
            guard seen.insert(d.id).inserted else { throw .invalidDefinition(detector: d.id, reason: "duplicate id") }
        }
        return list
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ ctx: DecodingError.Context) -> String {
        "\(ctx.debugDescription) at \(path(ctx.codingPath))"
    }
}
