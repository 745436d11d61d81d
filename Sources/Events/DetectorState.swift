import Foundation

/// The persisted progress of one detector: its definition (as it was when the state was taken) and
/// the state of each device's instance — pending breaches, last-seen times and learned intervals,
/// rate and anomaly windows, state-machine states, variables and timers — so that a restart does
/// not forget, for example, that a freezer has been too warm for eight minutes.
///
/// Stored as JSON (one record per detector, in `events.sqlite`'s `detector_state`):
///
/// ```json
/// {"version": 1, "detector": "freezer", "savedAt": 1764400000000,
///  "definition": { …the DetectorDefinition… },
///  "instances": [{"device": "a84041000181c8c1",
///                 "threshold": {"phase": "pending", "since": 1764399520000, "lastValue": -12.5}}]}
/// ```
///
/// `version` is ``currentVersion``; a record of another version is discarded (with a log line by
/// the caller), never guessed at. A record whose definition differs from the running one is
/// discarded too (a changed detector starts afresh, as a hot reload does). Numbers that JSON cannot
/// hold (a state-machine variable of ±∞ or NaN) are written as the strings `"inf"`, `"-inf"`, `"nan"`.
public struct DetectorStateRecord: Codable, Equatable, Sendable {
    /// The format version this code writes and reads.
    public static let currentVersion = 1
    /// The largest record accepted when decoding (a guard against hostile or runaway blobs).
    public static let maxEncodedBytes = 64 << 20

    /// The format version the record was written in (``currentVersion`` when this code wrote it).
    public var version: Int
    /// The detector id.
    public var detector: String
    /// Wall-clock epoch milliseconds when the state was taken.
    public var savedAt: Int64
    /// The definition the state belongs to; a record whose definition differs from the running one is dropped.
    public var definition: DetectorDefinition
    /// One entry per device seen, in device order.
    public var instances: [InstanceState]

    /// A record of the current format version unless `version` says otherwise (tests use that).
    public init(detector: String, savedAt: Int64, definition: DetectorDefinition, instances: [InstanceState],
                version: Int = DetectorStateRecord.currentVersion) {
        self.version = version
        self.detector = detector
        self.savedAt = savedAt
        self.definition = definition
        self.instances = instances
    }

    /// One device's instance: the device and exactly one of the kind-specific states.
    public struct InstanceState: Codable, Equatable, Sendable {
        /// The device id.
        public var device: String
        public var threshold: ThresholdSnapshot?
        public var absence: AbsenceSnapshot?
        public var rateOfChange: RateSnapshot?
        public var anomaly: AnomalySnapshot?
        public var stateMachine: StateMachineSnapshot?

        public init(device: String, threshold: ThresholdSnapshot? = nil, absence: AbsenceSnapshot? = nil, rateOfChange: RateSnapshot? = nil,
                    anomaly: AnomalySnapshot? = nil, stateMachine: StateMachineSnapshot? = nil) {
            self.device = device
            self.threshold = threshold
            self.absence = absence
            self.rateOfChange = rateOfChange
            self.anomaly = anomaly
            self.stateMachine = stateMachine
        }
    }

    /// A ``ThresholdDetector``'s state.
    public struct ThresholdSnapshot: Codable, Equatable, Sendable {
        /// `normal`, `pending` or `firing`.
        public var phase: String
        /// When the pending breach began (epoch ms); only for `pending`.
        public var since: Int64?
        public var lastValue: Double?

        public init(phase: String, since: Int64?, lastValue: Double?) {
            self.phase = phase
            self.since = since
            self.lastValue = lastValue
        }
    }

    /// An ``AbsenceDetector``'s state: last arrival (epoch ms), learned inter-arrival times (ms, oldest first).
    public struct AbsenceSnapshot: Codable, Equatable, Sendable {
        public var lastSeen: Int64?
        public var intervals: [Int64]
        public var firing: Bool

        public init(lastSeen: Int64?, intervals: [Int64], firing: Bool) {
            self.lastSeen = lastSeen
            self.intervals = intervals
            self.firing = firing
        }
    }

    /// A ``RateOfChangeDetector``'s window as parallel arrays (times in epoch ms, non-decreasing).
    public struct RateSnapshot: Codable, Equatable, Sendable {
        public var times: [Int64]
        public var values: [Double]
        public var firing: Bool

        public init(times: [Int64], values: [Double], firing: Bool) {
            self.times = times
            self.values = values
            self.firing = firing
        }
    }

    /// An ``AnomalyDetector``'s window of recent values, oldest first.
    public struct AnomalySnapshot: Codable, Equatable, Sendable {
        public var window: [Double]
        public var firing: Bool

        public init(window: [Double], firing: Bool) {
            self.window = window
            self.firing = firing
        }
    }

    /// A ``StateMachineDetector``'s state: current state, whether its initial `onEnter` ran, latest
    /// inputs, variables, and running timers (name → deadline in epoch ms).
    public struct StateMachineSnapshot: Codable, Equatable, Sendable {
        /// The current state's name.
        public var state: String
        public var started: Bool
        public var metrics: [String: Double]
        public var variables: [String: Double]
        public var timers: [String: Int64]

        public init(state: String, started: Bool, metrics: [String: Double], variables: [String: Double], timers: [String: Int64]) {
            self.state = state
            self.started = started
            self.metrics = metrics
            self.variables = variables
            self.timers = timers
        }
    }

    static func makeEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// The record as stored.
    /// - Throws: `EventsError.corruptState` when it cannot be encoded (never for a state the engine made).
    public func encoded() throws(EventsError) -> [UInt8] {
        do { return Array(try Self.makeEncoder().encode(self)) } catch {
            throw .corruptState(detector: detector, reason: "cannot encode: \(error)")
        }
    }

    /// Decodes a stored record. Checks the version before anything else in it.
    /// - Parameter detector: the id the record is stored under (for messages, and checked against the record).
    /// - Throws: `EventsError.incompatibleState` for another format version, `.corruptState` for
    ///   anything that is not a record of this version (not JSON, missing fields, too large).
    public static func decode(_ bytes: [UInt8], detector: String) throws(EventsError) -> DetectorStateRecord {
        guard bytes.count <= maxEncodedBytes else {
            throw .corruptState(detector: detector, reason: "\(bytes.count) bytes is more than the \(maxEncodedBytes) accepted")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        struct VersionOnly: Decodable { var version: Int }
        let version: Int
        do { version = try decoder.decode(VersionOnly.self, from: Data(bytes)).version } catch {
            throw .corruptState(detector: detector, reason: "not a state record (no integer 'version'): \(Self.describe(error))")
        }
        guard version == currentVersion else { throw .incompatibleState(detector: detector, version: version, expected: currentVersion) }
        let record: DetectorStateRecord
        do { record = try decoder.decode(DetectorStateRecord.self, from: Data(bytes)) } catch {
            throw .corruptState(detector: detector, reason: Self.describe(error))
        }
        guard record.detector == detector else {
            throw .corruptState(detector: detector, reason: "the record belongs to detector '\(record.detector)'")
        }
        return record
    }

    /// A short account of a decoding error: what is wrong and where.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p)"
        }
        switch e {
        case let .typeMismatch(_, c): return "wrong type\(path(c)): \(c.debugDescription)"
        case let .valueNotFound(_, c): return "missing value\(path(c))"
        case let .keyNotFound(k, c): return "missing field '\(k.stringValue)'\(path(c))"
        case let .dataCorrupted(c): return "invalid JSON\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

extension DetectorInstance {
    /// This instance's state as stored.
    func snapshot(device: String) -> DetectorStateRecord.InstanceState {
        var s = DetectorStateRecord.InstanceState(device: device)
        switch self {
        case let .threshold(d):
            switch d.state {
            case .normal: s.threshold = .init(phase: "normal", since: nil, lastValue: d.lastValue)
            case let .pending(since): s.threshold = .init(phase: "pending", since: since, lastValue: d.lastValue)
            case .firing: s.threshold = .init(phase: "firing", since: nil, lastValue: d.lastValue)
            }
        case let .absence(d):
            s.absence = .init(lastSeen: d.lastSeen, intervals: d.intervals, firing: d.firing)
        case let .rateOfChange(d):
            s.rateOfChange = .init(times: d.window.map(\.time), values: d.window.map(\.value), firing: d.firing)
        case let .anomaly(d):
            s.anomaly = .init(window: d.window, firing: d.firing)
        case let .stateMachine(d):
            s.stateMachine = .init(state: d.stateName, started: d.started, metrics: d.metrics, variables: d.variables, timers: d.timers)
        }
        return s
    }

    /// Applies a stored state to a fresh instance of the same definition, checking it first.
    /// - Throws: `EventsError.corruptState` when the state is of another kind or out of bounds.
    mutating func restore(_ s: DetectorStateRecord.InstanceState, detector: String) throws(EventsError) {
        func bad(_ reason: String) -> EventsError { .corruptState(detector: detector, reason: "device '\(s.device)': \(reason)") }
        func checkTime(_ t: Int64, _ what: String) throws(EventsError) {
            guard t >= 0, t <= Sample.maxTime else { throw bad("\(what) \(t) is not epoch milliseconds in 0...\(Sample.maxTime)") }
        }
        let present = [s.threshold != nil, s.absence != nil, s.rateOfChange != nil, s.anomaly != nil, s.stateMachine != nil].filter { $0 }.count
        guard present == 1 else { throw bad("expected exactly one detector state, found \(present)") }
        switch self {
        case var .threshold(d):
            guard let t = s.threshold else { throw bad("not a threshold state") }
            if let v = t.lastValue, !v.isFinite { throw bad("lastValue is not finite") }
            switch t.phase {
            case "normal": d.state = .normal
            case "firing": d.state = .firing
            case "pending":
                guard let since = t.since else { throw bad("a pending threshold needs 'since'") }
                try checkTime(since, "since")
                guard t.lastValue != nil else { throw bad("a pending threshold needs 'lastValue'") }
                d.state = .pending(since: since)
            default: throw bad("unknown threshold phase '\(t.phase)'")
            }
            d.lastValue = t.lastValue
            self = .threshold(d)
        case var .absence(d):
            guard let a = s.absence else { throw bad("not an absence state") }
            if let l = a.lastSeen { try checkTime(l, "lastSeen") }
            guard a.intervals.count <= max(d.parameters.historySize, 1) else { throw bad("more intervals than historySize") }
            for i in a.intervals where i <= 0 || i > Sample.maxTime { throw bad("interval \(i) out of range") }
            guard !a.firing || a.lastSeen != nil else { throw bad("firing without lastSeen") }
            d.lastSeen = a.lastSeen
            d.intervals = a.intervals
            d.firing = a.firing
            self = .absence(d)
        case var .rateOfChange(d):
            guard let r = s.rateOfChange else { throw bad("not a rate-of-change state") }
            guard r.times.count == r.values.count else { throw bad("\(r.times.count) times but \(r.values.count) values") }
            guard r.times.count <= 1_000_000 else { throw bad("window of \(r.times.count) samples is too long") }
            var previous: Int64 = 0
            for (t, v) in zip(r.times, r.values) {
                try checkTime(t, "time")
                guard t >= previous else { throw bad("window times are not in order") }
                guard v.isFinite else { throw bad("window value is not finite") }
                previous = t
            }
            d.window = zip(r.times, r.values).map { (time: $0, value: $1) }
            d.firing = r.firing
            self = .rateOfChange(d)
        case var .anomaly(d):
            guard let a = s.anomaly else { throw bad("not an anomaly state") }
            guard a.window.count <= max(d.parameters.windowSize, 2) else { throw bad("window longer than windowSize") }
            guard a.window.allSatisfy(\.isFinite) else { throw bad("window value is not finite") }
            d.window = a.window
            d.firing = a.firing
            self = .anomaly(d)
        case var .stateMachine(d):
            guard let m = s.stateMachine else { throw bad("not a state-machine state") }
            guard let index = d.model.states.firstIndex(where: { $0.name == m.state }) else { throw bad("unknown state '\(m.state)'") }
            guard m.metrics.values.allSatisfy(\.isFinite) else { throw bad("metric value is not finite") }
            for (_, t) in m.timers { try checkTime(t, "timer deadline") }
            d.current = index
            d.started = m.started
            d.metrics = m.metrics
            d.variables = m.variables
            d.timers = m.timers
            self = .stateMachine(d)
        }
    }
}

extension DetectorEngine {
    /// The state of every detector that has live instances, one record per detector, devices in
    /// order (deterministic output for equal states).
    public func stateRecords(savedAt: Int64) -> [DetectorStateRecord] {
        var byDefinition: [Int: [(device: String, slot: Int)]] = [:]
        for (slot, key) in keys.enumerated() { byDefinition[key.definition, default: []].append((key.device, slot)) }
        return byDefinition.keys.sorted().map { i in
            let items = (byDefinition[i] ?? []).sorted { $0.device < $1.device }
            return DetectorStateRecord(detector: definitions[i].id, savedAt: savedAt, definition: definitions[i],
                                       instances: items.map { instances[$0.slot].snapshot(device: $0.device) })
        }
    }

    /// Restores stored records into this engine (meant for a fresh one, at start-up). A record is
    /// skipped, with a note saying why, when its detector no longer exists or its definition
    /// changed; an instance whose state does not check out is skipped with a note, the others of
    /// its detector are kept. Instances that already exist are left as they are.
    /// - Returns: one human-readable note per skipped record or instance.
    public mutating func restore(_ records: [DetectorStateRecord]) -> [String] {
        var notes: [String] = []
        var index: [String: Int] = [:]
        for (i, d) in definitions.enumerated() { index[d.id] = i }
        for record in records {
            guard let i = index[record.detector] else {
                notes.append("stored state of detector '\(record.detector)' dropped: the detector no longer exists")
                continue
            }
            guard definitions[i] == record.definition else {
                notes.append("stored state of detector '\(record.detector)' dropped: its definition changed since, so it starts afresh")
                continue
            }
            var seen: Set<String> = []
            for state in record.instances {
                guard seen.insert(state.device).inserted else {
                    notes.append(EventsError.corruptState(detector: record.detector, reason: "device '\(state.device)' appears twice").description)
                    continue
                }
                let key = InstanceKey(definition: i, device: state.device)
                guard slots[key] == nil else { continue }
                var instance = makeInstance(i)
                do { try instance.restore(state, detector: record.detector) } catch {
                    notes.append("\(error); that device starts afresh")
                    continue
                }
                let slot = instances.count
                slots[key] = slot
                keys.append(key)
                instances.append(instance)
                scheduled.append(nil)
                reschedule(slot)
            }
        }
        return notes
    }
}
