/// One action of one detector for one device.
public struct DetectorOutput: Equatable, Sendable {
    public var detectorID: String
    public var device: String
    public var action: DetectorAction

    public init(detectorID: String, device: String, action: DetectorAction) {
        self.detectorID = detectorID
        self.device = device
        self.action = action
    }
}

/// A detector of any kind for one device.
public enum DetectorInstance: Equatable, Sendable {
    case threshold(ThresholdDetector)
    case absence(AbsenceDetector)
    case rateOfChange(RateOfChangeDetector)
    case anomaly(AnomalyDetector)
    case stateMachine(StateMachineDetector)

    public mutating func observe(_ sample: Sample) -> [DetectorAction] {
        switch self {
        case var .threshold(d): let a = d.observe(sample); self = .threshold(d); return a
        case var .absence(d): let a = d.observe(sample); self = .absence(d); return a
        case var .rateOfChange(d): let a = d.observe(sample); self = .rateOfChange(d); return a
        case var .anomaly(d): let a = d.observe(sample); self = .anomaly(d); return a
        case var .stateMachine(d): let a = d.observe(sample); self = .stateMachine(d); return a
        }
    }

    public mutating func tick(now: Int64) -> [DetectorAction] {
        switch self {
        case var .threshold(d): let a = d.tick(now: now); self = .threshold(d); return a
        case var .absence(d): let a = d.tick(now: now); self = .absence(d); return a
        case var .stateMachine(d): let a = d.tick(now: now); self = .stateMachine(d); return a
        case .rateOfChange, .anomaly: return []
        }
    }
}

/// Routes samples and clock ticks to one detector instance per (definition, device), creating
/// instances when a device in a definition's scope is first seen.
///
/// Pure: the caller supplies time (sample times, or `tick(now:)` from its clock). Outputs come in a
/// deterministic order (definition order, then device id). A device that was never seen has no
/// instance, so an absence detector cannot report a device that never reported at all.
public struct DetectorEngine: Sendable {
    struct InstanceKey: Hashable, Comparable, Sendable {
        var definition: Int
        var device: String
        static func < (a: Self, b: Self) -> Bool { (a.definition, a.device) < (b.definition, b.device) }
    }

    public let definitions: [DetectorDefinition]
    private let models: [CompiledModel?]
    private var instances: [InstanceKey: DetectorInstance] = [:]
    /// Instances with timers or deadlines, in a stable order for `tick`.
    private var tickable: [InstanceKey] = []

    /// Builds an engine over validated definitions (disabled ones are kept but never run).
    /// - Throws: `EventsError` when a definition does not validate.
    public init(definitions: [DetectorDefinition]) throws(EventsError) {
        var models: [CompiledModel?] = []
        for d in definitions {
            try d.validate()
            if case let .stateMachine(m) = d.kind { models.append(try CompiledModel(m, detector: d.id)) } else { models.append(nil) }
        }
        self.definitions = definitions
        self.models = models
    }

    /// The number of live detector instances (definitions × devices seen).
    public var instanceCount: Int { instances.count }

    /// The instance of `detectorID` for `device`, if that device has been seen.
    public func instance(detectorID: String, device: String) -> DetectorInstance? {
        guard let i = definitions.firstIndex(where: { $0.id == detectorID }) else { return nil }
        return instances[InstanceKey(definition: i, device: device)]
    }

    private func makeInstance(_ index: Int) -> DetectorInstance {
        switch definitions[index].kind {
        case let .threshold(p): .threshold(ThresholdDetector(p))
        case let .absence(p): .absence(AbsenceDetector(p))
        case let .rateOfChange(p): .rateOfChange(RateOfChangeDetector(p))
        case let .anomaly(p): .anomaly(AnomalyDetector(p))
        case .stateMachine:
            // models[index] is non-nil for every state-machine definition (built in init).
            models[index].map { .stateMachine(StateMachineDetector($0)) } ?? .absence(AbsenceDetector(AbsenceParameters()))
        }
    }

    /// Feeds one sample to every enabled detector whose scope contains it.
    public mutating func observe(_ sample: Sample) -> [DetectorOutput] {
        // Samples built by callers (not `Sample.parse`) are held to the same bounds.
        guard sample.time >= 0, sample.time <= Sample.maxTime, sample.value.isFinite else { return [] }
        var out: [DetectorOutput] = []
        for (i, d) in definitions.enumerated() where d.enabled && d.scope.matches(sample) {
            let key = InstanceKey(definition: i, device: sample.device)
            var instance: DetectorInstance
            if let existing = instances[key] {
                instance = existing
            } else {
                instance = makeInstance(i)
                switch instance {
                case .threshold, .absence, .stateMachine:
                    let at = tickable.firstIndex { key < $0 } ?? tickable.count
                    tickable.insert(key, at: at)
                default: break
                }
            }
            // Avoid copy-on-write of the instance's buffers: take it out while mutating.
            instances[key] = nil
            let actions = instance.observe(sample)
            instances[key] = instance
            out += actions.map { DetectorOutput(detectorID: d.id, device: sample.device, action: $0) }
        }
        return out
    }

    /// Advances time-based detectors (absence deadlines, threshold durations, model timers) to `now`.
    public mutating func tick(now: Int64) -> [DetectorOutput] {
        let now = min(max(now, 0), Sample.maxTime)
        var out: [DetectorOutput] = []
        for key in tickable {
            guard var instance = instances[key] else { continue }
            instances[key] = nil
            let actions = instance.tick(now: now)
            instances[key] = instance
            let id = definitions[key.definition].id
            out += actions.map { DetectorOutput(detectorID: id, device: key.device, action: $0) }
        }
        return out
    }
}
