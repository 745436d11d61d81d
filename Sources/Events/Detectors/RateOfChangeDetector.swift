/// Parameters of a rate-of-change detector: the slope of `metric` over the last `windowSeconds`,
/// in units per `per`, compared with `threshold` (`above`: rising faster than; `below`: e.g. a
/// battery falling faster than −0.5 %/hour is `below -0.5`).
public struct RateParameters: Codable, Equatable, Sendable {
    public enum Unit: String, Codable, Sendable {
        case second, minute, hour
        var millis: Double {
            switch self {
            case .second: 1000
            case .minute: 60_000
            case .hour: 3_600_000
            }
        }
    }

    public var metric: String
    public var windowSeconds: Double
    public var per: Unit
    public var direction: ThresholdParameters.Direction
    public var threshold: Double

    public init(metric: String, windowSeconds: Double, per: Unit, direction: ThresholdParameters.Direction, threshold: Double) {
        self.metric = metric
        self.windowSeconds = windowSeconds
        self.per = per
        self.direction = direction
        self.threshold = threshold
    }
}

/// Rate of change over a sliding time window, for one device.
///
/// The rate is (newest − oldest value) / (newest − oldest time) over the samples in the window
/// (the oldest kept sample may be older than the window by one sample, so that a window is never
/// empty of history). It fires when the rate is past the threshold and resolves when it is not.
public struct RateOfChangeDetector: Equatable, Sendable {
    public let parameters: RateParameters
    var window: [(time: Int64, value: Double)] = []
    public internal(set) var firing = false

    public init(_ parameters: RateParameters) {
        self.parameters = parameters
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.parameters == b.parameters && a.firing == b.firing && a.window.elementsEqual(b.window) { $0.time == $1.time && $0.value == $1.value }
    }

    /// The current rate in units per `parameters.per`, when two samples at different times are known.
    public var rate: Double? {
        guard let first = window.first, let last = window.last, last.time > first.time else { return nil }
        return (last.value - first.value) / Double(last.time - first.time) * parameters.per.millis
    }

    public mutating func observe(_ sample: Sample) -> [DetectorAction] {
        guard sample.metric == parameters.metric else { return [] }
        if let last = window.last, sample.time < last.time { return [] } // late samples are ignored
        window.append((sample.time, sample.value))
        let horizon = sample.time - millis(parameters.windowSeconds)
        // Keep one sample at or before the horizon so that the window spans its full length.
        while window.count > 2, window[1].time <= horizon { window.removeFirst() }
        guard let rate else { return [] }
        let past = parameters.direction == .above ? rate > parameters.threshold : rate < parameters.threshold
        if past, !firing {
            firing = true
            return [.fire(AlertSignal(time: sample.time,
                                      message: "\(parameters.metric) changing at \(formatNumber(rate))/\(parameters.per.rawValue), \(parameters.direction.rawValue) \(formatNumber(parameters.threshold))",
                                      value: rate))]
        }
        if !past, firing {
            firing = false
            return [.resolve(time: sample.time, message: "\(parameters.metric) rate \(formatNumber(rate))/\(parameters.per.rawValue) back within threshold")]
        }
        return []
    }
}
