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

    /// The earliest time at which `tick` can produce an action, if any.
    public var nextDeadline: Int64? {
        switch self {
        case let .threshold(d): d.nextDeadline
        case let .absence(d): d.nextDeadline
        case let .stateMachine(d): d.nextDeadline
        case .rateOfChange, .anomaly: nil
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
/// Pure: the caller supplies time (sample times, or `tick(now:)` from its clock). `observe` returns
/// outputs in definition order; `tick` handles due instances in deadline order (ties by definition,
/// then device), so output is deterministic. Ticks cost O(due instances · log n), not O(instances):
/// each instance's next deadline sits in a min-heap. A device that was never seen has no instance,
/// so an absence detector cannot report a device that never reported at all.
public struct DetectorEngine: Sendable {
    struct InstanceKey: Hashable, Comparable, Sendable {
        var definition: Int
        var device: String
        static func < (a: Self, b: Self) -> Bool { (a.definition, a.device) < (b.definition, b.device) }
    }

    public let definitions: [DetectorDefinition]
    let models: [CompiledModel?]
    /// Instances live in arrays indexed by slot, so that the hot path does one hash lookup
    /// (key → slot) and mutates the instance in place.
    var slots: [InstanceKey: Int] = [:]
    var keys: [InstanceKey] = []
    var instances: [DetectorInstance] = []
    /// The deadline each slot is scheduled at; heap entries that disagree are stale.
    var scheduled: [Int64?] = []
    private var scheduledCount = 0
    private var heap = DeadlineHeap()
    /// Counts changes to instance state (samples taken, due instances ticked): a caller that
    /// persists the state saves only when it moved.
    public internal(set) var changeCount: UInt64 = 0

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

    /// The earliest time a `tick` can produce something, if any instance is waiting.
    public var nextDeadline: Int64? { scheduled.lazy.compactMap { $0 }.min() }

    /// The instance of `detectorID` for `device`, if that device has been seen.
    public func instance(detectorID: String, device: String) -> DetectorInstance? {
        guard let i = definitions.firstIndex(where: { $0.id == detectorID }) else { return nil }
        return slots[InstanceKey(definition: i, device: device)].map { instances[$0] }
    }

    func makeInstance(_ index: Int) -> DetectorInstance {
        switch definitions[index].kind {
        case let .threshold(p): return .threshold(ThresholdDetector(p))
        case let .absence(p): return .absence(AbsenceDetector(p))
        case let .rateOfChange(p): return .rateOfChange(RateOfChangeDetector(p))
        case let .anomaly(p): return .anomaly(AnomalyDetector(p))
        case .stateMachine:
            guard let model = models[index] else {
                preconditionFailure("init compiles a model for every state-machine definition")
            }
            return .stateMachine(StateMachineDetector(model))
        }
    }

    mutating func reschedule(_ slot: Int) {
        let deadline = instances[slot].nextDeadline
        let old = scheduled[slot]
        guard old != deadline else { return }
        scheduledCount += (deadline == nil ? 0 : 1) - (old == nil ? 0 : 1)
        scheduled[slot] = deadline
        if let deadline { heap.push(DeadlineHeap.Entry(deadline: deadline, key: keys[slot], slot: slot)) }
        // Stale entries pile up when deadlines move (every sample moves an absence deadline).
        if heap.count > 2 * scheduledCount + 1024 {
            var live: [DeadlineHeap.Entry] = []
            for (i, d) in scheduled.enumerated() {
                if let d { live.append(DeadlineHeap.Entry(deadline: d, key: keys[i], slot: i)) }
            }
            heap = DeadlineHeap(live)
        }
    }

    /// An engine over new definitions that keeps the live state (windows, timers, learned
    /// intervals, pending breaches) of every detector whose definition did not change; changed and
    /// new detectors start afresh, removed ones are dropped.
    /// - Throws: `EventsError` when a definition does not validate.
    public func reloaded(with newDefinitions: [DetectorDefinition]) throws(EventsError) -> DetectorEngine {
        var next = try DetectorEngine(definitions: newDefinitions)
        var newIndex: [String: Int] = [:]
        for (i, d) in newDefinitions.enumerated() { newIndex[d.id] = i }
        for (slot, key) in keys.enumerated() {
            let old = definitions[key.definition]
            guard let i = newIndex[old.id], newDefinitions[i] == old else { continue }
            let newKey = InstanceKey(definition: i, device: key.device)
            let newSlot = next.instances.count
            next.slots[newKey] = newSlot
            next.keys.append(newKey)
            next.instances.append(instances[slot])
            next.scheduled.append(nil)
            next.reschedule(newSlot)
        }
        return next
    }

    /// Feeds one sample to every enabled detector whose scope contains it.
    public mutating func observe(_ sample: Sample) -> [DetectorOutput] {
        // Samples built by callers (not `Sample.parse`) are held to the same bounds.
        guard sample.time >= 0, sample.time <= Sample.maxTime, sample.value.isFinite else { return [] }
        var out: [DetectorOutput] = []
        for (i, d) in definitions.enumerated() where d.enabled && d.scope.matches(sample) {
            let key = InstanceKey(definition: i, device: sample.device)
            let slot: Int
            if let existing = slots[key] {
                slot = existing
            } else {
                slot = instances.count
                slots[key] = slot
                keys.append(key)
                instances.append(makeInstance(i))
                scheduled.append(nil)
            }
            let actions = instances[slot].observe(sample)
            changeCount &+= 1
            reschedule(slot)
            for a in actions { out.append(DetectorOutput(detectorID: d.id, device: sample.device, action: a)) }
        }
        return out
    }

    /// Advances time-based detectors (absence deadlines, threshold durations, model timers) to `now`.
    public mutating func tick(now: Int64) -> [DetectorOutput] {
        let now = min(max(now, 0), Sample.maxTime)
        var out: [DetectorOutput] = []
        while let top = heap.min, top.deadline <= now {
            heap.popMin()
            guard scheduled[top.slot] == top.deadline else { continue } // stale
            scheduled[top.slot] = nil
            scheduledCount -= 1
            let actions = instances[top.slot].tick(now: now)
            changeCount &+= 1
            reschedule(top.slot)
            let id = definitions[top.key.definition].id
            for a in actions { out.append(DetectorOutput(detectorID: id, device: top.key.device, action: a)) }
        }
        return out
    }
}

/// A binary min-heap of (deadline, instance) ordered by deadline, then instance key.
struct DeadlineHeap: Sendable {
    struct Entry: Comparable, Sendable {
        var deadline: Int64
        var key: DetectorEngine.InstanceKey
        var slot: Int
        static func < (a: Self, b: Self) -> Bool { (a.deadline, a.key) < (b.deadline, b.key) }
        static func == (a: Self, b: Self) -> Bool { a.deadline == b.deadline && a.key == b.key }
    }

    private var items: [Entry] = []

    init() {}

    init(_ entries: [Entry]) {
        items = entries.sorted() // a sorted array is a valid heap
    }

    var count: Int { items.count }
    var min: Entry? { items.first }

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popMin() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, items[l] < items[m] { m = l }
            if r < items.count, items[r] < items[m] { m = r }
            if m == i { return }
            items.swapAt(i, m)
            i = m
        }
    }
}
