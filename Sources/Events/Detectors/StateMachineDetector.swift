/// A detector model in the spirit of AWS IoT Events: named states, transitions guarded by
/// conditions over the device's inputs, timers, and actions on enter, on exit and on transition.
///
/// ```json
/// {"initialState": "closed",
///  "states": [
///    {"name": "closed", "transitions": [{"to": "open", "when": "door == 1"}]},
///    {"name": "open",
///     "onEnter": [{"setTimer": {"name": "open_too_long", "seconds": 300}}],
///     "onExit":  [{"clearTimer": {"name": "open_too_long"}}],
///     "transitions": [
///       {"to": "closed", "when": "door == 0", "actions": [{"resolve": {}}]},
///       {"to": "alarm", "when": "timeout(\"open_too_long\")"}]},
///    {"name": "alarm", "onEnter": [{"alert": {"message": "door open for 5 minutes"}}],
///     "transitions": [{"to": "closed", "when": "door == 0", "actions": [{"resolve": {}}]}]}]}
/// ```
/// Conditions use the `Condition` grammar. Timers belong to the detector, not to a state: they run
/// until they expire or a `clearTimer` stops them; setting a running timer restarts it.
public struct StateMachineModel: Codable, Equatable, Sendable {
    public var initialState: String
    public var states: [StateDefinition]
    /// The metrics the model reads; nil: every metric of the device.
    public var inputs: [String]?

    public init(initialState: String, states: [StateDefinition], inputs: [String]? = nil) {
        self.initialState = initialState
        self.states = states
        self.inputs = inputs
    }
}

/// One state of a `StateMachineModel`.
public struct StateDefinition: Codable, Equatable, Sendable {
    public var name: String
    public var onEnter: [ModelAction]?
    public var onExit: [ModelAction]?
    /// Evaluated in order on every input and timer expiry; the first whose condition holds is taken.
    public var transitions: [TransitionDefinition]?

    public init(name: String, onEnter: [ModelAction]? = nil, onExit: [ModelAction]? = nil, transitions: [TransitionDefinition]? = nil) {
        self.name = name
        self.onEnter = onEnter
        self.onExit = onExit
        self.transitions = transitions
    }
}

/// A guarded transition: go to `to` when `when` is true, running `actions` between exit and enter.
public struct TransitionDefinition: Codable, Equatable, Sendable {
    public var to: String
    public var when: String
    public var actions: [ModelAction]?

    public init(to: String, when: String, actions: [ModelAction]? = nil) {
        self.to = to
        self.when = when
        self.actions = actions
    }
}

/// An action of a detector model. JSON: `{"setTimer": {"name": "t", "seconds": 300}}`,
/// `{"clearTimer": {"name": "t"}}`, `{"setVariable": {"name": "n", "expression": "$n + 1"}}`,
/// `{"alert": {"message": "…", "severity": "critical"}}`, `{"resolve": {"message": "…"}}`.
public enum ModelAction: Codable, Equatable, Sendable {
    case setTimer(name: String, seconds: Double)
    case clearTimer(name: String)
    case setVariable(name: String, expression: String)
    case alert(message: String, severity: Severity?)
    case resolve(message: String?)
}

/// A validated model with its expressions parsed, shared by every device's detector.
public struct CompiledModel: Equatable, Sendable {
    struct Transition: Equatable, Sendable {
        var to: Int
        var condition: Condition
        var actions: [CompiledAction]
    }

    enum CompiledAction: Equatable, Sendable {
        case setTimer(String, Int64)
        case clearTimer(String)
        case setVariable(String, Condition)
        case alert(String, Severity?)
        case resolve(String?)
    }

    struct State: Equatable, Sendable {
        var name: String
        var onEnter: [CompiledAction]
        var onExit: [CompiledAction]
        var transitions: [Transition]
    }

    let states: [State]
    let initial: Int
    let inputs: Set<String>?

    /// Validates and compiles `model`.
    /// - Throws: `EventsError.invalidDefinition` (unknown or duplicate state, bad timer) or
    ///   `.invalidExpression` for a condition that does not parse.
    public init(_ model: StateMachineModel, detector: String = "?") throws(EventsError) {
        var index: [String: Int] = [:]
        for (i, s) in model.states.enumerated() {
            guard !s.name.isEmpty else { throw .invalidDefinition(detector: detector, reason: "a state has an empty name") }
            guard index[s.name] == nil else { throw .invalidDefinition(detector: detector, reason: "duplicate state '\(s.name)'") }
            index[s.name] = i
        }
        guard let initial = index[model.initialState] else {
            throw .invalidDefinition(detector: detector, reason: "initialState '\(model.initialState)' is not a state")
        }
        func compile(_ actions: [ModelAction]?) throws(EventsError) -> [CompiledAction] {
            var out: [CompiledAction] = []
            for a in actions ?? [] {
                switch a {
                case let .setTimer(name, seconds):
                    guard seconds.isFinite, seconds > 0, seconds <= 1e9 else {
                        throw .invalidDefinition(detector: detector, reason: "timer '\(name)' needs seconds in (0, 1e9]")
                    }
                    out.append(.setTimer(name, millis(seconds)))
                case let .clearTimer(name): out.append(.clearTimer(name))
                case let .setVariable(name, expression): out.append(.setVariable(name, try Condition(expression)))
                case let .alert(message, severity): out.append(.alert(message, severity))
                case let .resolve(message): out.append(.resolve(message))
                }
            }
            return out
        }
        var states: [State] = []
        for s in model.states {
            var transitions: [Transition] = []
            for t in s.transitions ?? [] {
                guard let to = index[t.to] else {
                    throw .invalidDefinition(detector: detector, reason: "transition from '\(s.name)' to unknown state '\(t.to)'")
                }
                transitions.append(Transition(to: to, condition: try Condition(t.when), actions: try compile(t.actions)))
            }
            states.append(State(name: s.name, onEnter: try compile(s.onEnter), onExit: try compile(s.onExit), transitions: transitions))
        }
        self.states = states
        self.initial = initial
        self.inputs = model.inputs.map(Set.init)
    }
}

/// The running state machine for one device.
public struct StateMachineDetector: Equatable, Sendable {
    public let model: CompiledModel
    var current: Int
    var started = false
    public internal(set) var metrics: [String: Double] = [:]
    public internal(set) var variables: [String: Double] = [:]
    /// Running timers: name → deadline (epoch milliseconds).
    public internal(set) var timers: [String: Int64] = [:]

    public init(_ model: CompiledModel) {
        self.model = model
        self.current = model.initial
    }

    /// The name of the current state.
    public var stateName: String { model.states[current].name }

    public mutating func observe(_ sample: Sample) -> [DetectorAction] {
        if let inputs = model.inputs, !inputs.contains(sample.metric) { return [] }
        var actions = start(at: sample.time)
        metrics[sample.metric] = sample.value
        actions += evaluate(at: sample.time, expiredTimer: nil)
        return actions
    }

    /// The earliest running timer's deadline.
    public var nextDeadline: Int64? { timers.values.min() }

    /// Handles every timer whose deadline is at or before `now`, earliest first, each at its deadline.
    public mutating func tick(now: Int64) -> [DetectorAction] {
        var actions: [DetectorAction] = []
        while let (name, deadline) = timers.filter({ $0.value <= now }).min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) {
            timers[name] = nil
            actions += evaluate(at: deadline, expiredTimer: name)
        }
        return actions
    }

    /// Runs the initial state's enter actions the first time the device is seen.
    private mutating func start(at time: Int64) -> [DetectorAction] {
        guard !started else { return [] }
        started = true
        return run(model.states[current].onEnter, at: time)
    }

    private mutating func evaluate(at time: Int64, expiredTimer: String?) -> [DetectorAction] {
        let env = Condition.Environment(metrics: metrics, variables: variables, expiredTimer: expiredTimer)
        for t in model.states[current].transitions where t.condition.isTrue(in: env) {
            let from = model.states[current].name
            var actions = run(model.states[current].onExit, at: time)
            actions += run(t.actions, at: time)
            current = t.to
            actions.append(.stateChanged(time: time, from: from, to: model.states[current].name))
            actions += run(model.states[current].onEnter, at: time)
            return actions
        }
        return []
    }

    private mutating func run(_ actions: [CompiledModel.CompiledAction], at time: Int64) -> [DetectorAction] {
        var out: [DetectorAction] = []
        for a in actions {
            switch a {
            case let .setTimer(name, ms): timers[name] = time + ms
            case let .clearTimer(name): timers[name] = nil
            case let .setVariable(name, expression):
                let env = Condition.Environment(metrics: metrics, variables: variables)
                if let v = Condition.numeric(expression.evaluate(in: env)) { variables[name] = v } else { variables[name] = nil }
            case let .alert(message, severity):
                out.append(.fire(AlertSignal(time: time, message: message, value: nil, severity: severity)))
            case let .resolve(message):
                out.append(.resolve(time: time, message: message ?? "resolved by state '\(model.states[current].name)'"))
            }
        }
        return out
    }
}
