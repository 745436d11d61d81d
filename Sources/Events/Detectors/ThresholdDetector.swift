/// Parameters of a threshold detector: `metric` above (or below) `threshold` for at least
/// `durationSeconds`, clearing only once the value is back past `threshold ∓ hysteresis`.
public struct ThresholdParameters: Codable, Equatable, Sendable {
    /// Which side of the threshold is abnormal.
    public enum Direction: String, Codable, Sendable { case above, below }

    public var metric: String
    public var direction: Direction
    public var threshold: Double
    /// How long the value must stay past the threshold before the alert fires (0: at once).
    public var durationSeconds: Double
    /// The dead band: an alert above `threshold` resolves only at or below `threshold - hysteresis`
    /// (for `below`, at or above `threshold + hysteresis`). Between the two, it stays as it is.
    public var hysteresis: Double

    public init(metric: String, direction: Direction, threshold: Double, durationSeconds: Double = 0, hysteresis: Double = 0) {
        self.metric = metric
        self.direction = direction
        self.threshold = threshold
        self.durationSeconds = durationSeconds
        self.hysteresis = hysteresis
    }

    enum CodingKeys: String, CodingKey { case metric, direction, threshold, durationSeconds, hysteresis }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metric = try c.decode(String.self, forKey: .metric)
        direction = try c.decode(Direction.self, forKey: .direction)
        threshold = try c.decode(Double.self, forKey: .threshold)
        durationSeconds = try c.decodeIfPresent(Double.self, forKey: .durationSeconds) ?? 0
        hysteresis = try c.decodeIfPresent(Double.self, forKey: .hysteresis) ?? 0
    }
}

/// A threshold with a duration and hysteresis, for one device.
///
/// States: `normal` → (value past threshold) → `pending(since)` → (still past after the duration,
/// seen by a sample or a tick) → `firing` → (value back past the clear level) → `normal`.
/// A sample back inside the threshold while pending cancels the pending breach: the breach must be
/// continuous. Between the threshold and the clear level nothing changes (hysteresis).
public struct ThresholdDetector: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        case normal
        case pending(since: Int64)
        case firing
    }

    public let parameters: ThresholdParameters
    public internal(set) var state: State = .normal
    var lastValue: Double?

    public init(_ parameters: ThresholdParameters) {
        self.parameters = parameters
    }

    private func breaches(_ v: Double) -> Bool {
        parameters.direction == .above ? v > parameters.threshold : v < parameters.threshold
    }

    private func clears(_ v: Double) -> Bool {
        parameters.direction == .above
            ? v <= parameters.threshold - parameters.hysteresis
            : v >= parameters.threshold + parameters.hysteresis
    }

    private func fireMessage(_ v: Double) -> String {
        let d = parameters.durationSeconds > 0 ? " for \(formatNumber(parameters.durationSeconds)) s" : ""
        return "\(parameters.metric) \(formatNumber(v)) \(parameters.direction.rawValue) \(formatNumber(parameters.threshold))\(d)"
    }

    /// Feeds one sample of the detector's metric (other metrics are ignored).
    public mutating func observe(_ sample: Sample) -> [DetectorAction] {
        guard sample.metric == parameters.metric else { return [] }
        let v = sample.value
        lastValue = v
        switch state {
        case .normal:
            guard breaches(v) else { return [] }
            if parameters.durationSeconds <= 0 {
                state = .firing
                return [.fire(AlertSignal(time: sample.time, message: fireMessage(v), value: v))]
            }
            state = .pending(since: sample.time)
            return []
        case let .pending(since):
            guard breaches(v) else {
                state = .normal
                return []
            }
            if sample.time - since >= millis(parameters.durationSeconds) {
                state = .firing
                return [.fire(AlertSignal(time: sample.time, message: fireMessage(v), value: v))]
            }
            return []
        case .firing:
            if clears(v) {
                state = .normal
                return [.resolve(time: sample.time, message: "\(parameters.metric) \(formatNumber(v)) back within threshold")]
            }
            return []
        }
    }

    /// When `tick` would fire the pending breach, if no sample intervenes.
    public var nextDeadline: Int64? {
        guard case let .pending(since) = state, lastValue != nil else { return nil }
        return since + millis(parameters.durationSeconds)
    }

    /// Fires a pending breach whose duration has elapsed although no new sample arrived; the alert is
    /// dated at the moment the duration elapsed.
    public mutating func tick(now: Int64) -> [DetectorAction] {
        guard case let .pending(since) = state, let v = lastValue, now - since >= millis(parameters.durationSeconds) else { return [] }
        state = .firing
        // Dated when the duration elapsed, whatever the tick rate.
        return [.fire(AlertSignal(time: since + millis(parameters.durationSeconds), message: fireMessage(v), value: v))]
    }
}
