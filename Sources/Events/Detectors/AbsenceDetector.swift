/// Parameters of an absence (silence) detector.
///
/// Either a fixed `timeoutSeconds`, or `intervalMultiple` k: the alert fires after k times the
/// device's usual interval, learned as the median of its last `historySize` inter-arrival times.
/// Until `minIntervals` intervals are known, the learned mode uses `timeoutSeconds` as a fallback
/// (and stays quiet when that is absent).
public struct AbsenceParameters: Codable, Equatable, Sendable {
    /// Only samples of this metric count as a sign of life; nil: any sample of the device.
    public var metric: String?
    public var timeoutSeconds: Double?
    public var intervalMultiple: Double?
    public var historySize: Int
    public var minIntervals: Int

    public init(metric: String? = nil, timeoutSeconds: Double? = nil, intervalMultiple: Double? = nil,
                historySize: Int = 16, minIntervals: Int = 3) {
        self.metric = metric
        self.timeoutSeconds = timeoutSeconds
        self.intervalMultiple = intervalMultiple
        self.historySize = historySize
        self.minIntervals = minIntervals
    }

    enum CodingKeys: String, CodingKey { case metric, timeoutSeconds, intervalMultiple, historySize, minIntervals }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metric = try c.decodeIfPresent(String.self, forKey: .metric)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
        intervalMultiple = try c.decodeIfPresent(Double.self, forKey: .intervalMultiple)
        historySize = try c.decodeIfPresent(Int.self, forKey: .historySize) ?? 16
        minIntervals = try c.decodeIfPresent(Int.self, forKey: .minIntervals) ?? 3
    }
}

/// Detects a device that went silent, for one device. Time-based: the alert fires from `tick(now:)`,
/// dated at the deadline (last sample + timeout); the next sample resolves it.
public struct AbsenceDetector: Equatable, Sendable {
    public let parameters: AbsenceParameters
    public internal(set) var lastSeen: Int64?
    /// Recent inter-arrival times in milliseconds, oldest first.
    public internal(set) var intervals: [Int64] = []
    public internal(set) var firing = false

    public init(_ parameters: AbsenceParameters) {
        self.parameters = parameters
    }

    /// The device's usual interval (median of the learned inter-arrival times), in milliseconds.
    public var usualInterval: Int64? {
        guard intervals.count >= max(parameters.minIntervals, 1) else { return nil }
        let sorted = intervals.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// The silence after which the alert fires, in milliseconds, or nil when not yet known.
    public var timeout: Int64? {
        if let k = parameters.intervalMultiple, let usual = usualInterval {
            // Bounded (≈ 31 years) so that a huge multiple cannot overflow Int64.
            return Int64(min((Double(usual) * k).rounded(), 1e12))
        }
        return parameters.timeoutSeconds.map(millis)
    }

    public mutating func observe(_ sample: Sample) -> [DetectorAction] {
        if let metric = parameters.metric, metric != sample.metric { return [] }
        var actions: [DetectorAction] = []
        if let last = lastSeen {
            let delta = sample.time - last
            // Several metrics of one uplink share a time: that is one arrival, not an interval of 0.
            guard delta > 0 else { return [] }
            intervals.append(delta)
            if intervals.count > max(parameters.historySize, 1) { intervals.removeFirst(intervals.count - max(parameters.historySize, 1)) }
        }
        lastSeen = sample.time
        if firing {
            firing = false
            actions.append(.resolve(time: sample.time, message: "device reporting again"))
        }
        return actions
    }

    /// When `tick` would fire, if no sample arrives before.
    public var nextDeadline: Int64? {
        guard !firing, let last = lastSeen, let timeout else { return nil }
        return last + timeout
    }

    public mutating func tick(now: Int64) -> [DetectorAction] {
        guard !firing, let last = lastSeen, let timeout, now - last >= timeout else { return [] }
        firing = true
        // Dated at the deadline, not at the tick: the result does not depend on how often the
        // caller ticks (a replay with sparse ticks gives the same alert as a live server).
        let at = last + timeout
        let silent = Double(timeout) / 1000
        var message = "no uplink for \(formatNumber(silent)) s (timeout \(formatNumber(Double(timeout) / 1000)) s"
        if let k = parameters.intervalMultiple, let usual = usualInterval {
            message += ", \(formatNumber(k))× usual interval \(formatNumber(Double(usual) / 1000)) s"
        }
        message += ")"
        return [.fire(AlertSignal(time: at, message: message, value: silent))]
    }
}
