/// Parameters of a statistical anomaly detector over the last `windowSize` values of `metric`.
///
/// `zscore`: |x − mean| / standard deviation. `mad`: |x − median| / (1.4826 × median absolute
/// deviation), the robust analogue (1.4826 makes it comparable with a standard deviation for
/// normally distributed data). A score above `threshold` fires; a normal value resolves.
///
/// Quantised sensors often report the same value most of the time, which makes the MAD 0. Then the
/// spread falls back to 1.2533 × the mean absolute deviation from the median (the usual substitute;
/// 1.2533 = √(π/2) makes it comparable with a standard deviation), and in every method the spread
/// is never below `minSpread` (in the metric's unit; 0 by default).
public struct AnomalyParameters: Codable, Equatable, Sendable {
    public enum Method: String, Codable, Sendable { case zscore, mad }

    public var metric: String
    public var method: Method
    public var windowSize: Int
    public var threshold: Double
    /// Scores are computed only once this many values are in the window.
    public var minSamples: Int
    /// A floor for the spread, so that a perfectly flat history does not make every change infinite.
    public var minSpread: Double

    public init(metric: String, method: Method, windowSize: Int = 60, threshold: Double = 3.5, minSamples: Int = 10, minSpread: Double = 0) {
        self.metric = metric
        self.method = method
        self.windowSize = windowSize
        self.threshold = threshold
        self.minSamples = minSamples
        self.minSpread = minSpread
    }

    enum CodingKeys: String, CodingKey { case metric, method, windowSize, threshold, minSamples, minSpread }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metric = try c.decode(String.self, forKey: .metric)
        method = try c.decode(Method.self, forKey: .method)
        windowSize = try c.decodeIfPresent(Int.self, forKey: .windowSize) ?? 60
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold) ?? 3.5
        minSamples = try c.decodeIfPresent(Int.self, forKey: .minSamples) ?? 10
        minSpread = try c.decodeIfPresent(Double.self, forKey: .minSpread) ?? 0
    }
}

/// Rolling z-score or MAD anomaly detection, for one device.
///
/// Each value is scored against the window of values before it, then added to the window (an
/// outlier therefore widens the window's spread for a while, which damps repeated alerts). When
/// the window has no spread at all (and `minSpread` is 0), a value equal to its centre scores 0 and
/// any other +∞.
public struct AnomalyDetector: Equatable, Sendable {
    public let parameters: AnomalyParameters
    public internal(set) var window: [Double] = []
    public internal(set) var firing = false

    public init(_ parameters: AnomalyParameters) {
        self.parameters = parameters
    }

    /// The score of `x` against the current window, or nil while the window is too short.
    public func score(_ x: Double) -> Double? {
        guard window.count >= max(parameters.minSamples, 2) else { return nil }
        let centre: Double
        var spread: Double
        switch parameters.method {
        case .zscore:
            let n = Double(window.count)
            let mean = window.reduce(0, +) / n
            let variance = window.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            centre = mean
            spread = variance.squareRoot()
        case .mad:
            let median = Self.median(window)
            centre = median
            spread = 1.4826 * Self.median(window.map { abs($0 - median) })
            if spread == 0 {
                spread = 1.2533 * window.reduce(0) { $0 + abs($1 - median) } / Double(window.count)
            }
        }
        spread = max(spread, parameters.minSpread)
        let distance = abs(x - centre)
        if spread == 0 { return distance == 0 ? 0 : .infinity }
        return distance / spread
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        let n = s.count
        guard n > 0 else { return 0 }
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }

    public mutating func observe(_ sample: Sample) -> [DetectorAction] {
        guard sample.metric == parameters.metric else { return [] }
        let s = score(sample.value)
        window.append(sample.value)
        let size = max(parameters.windowSize, 2)
        if window.count > size { window.removeFirst(window.count - size) }
        guard let s else { return [] }
        if s > parameters.threshold {
            let name = parameters.method == .zscore ? "z-score" : "MAD score"
            firing = true
            // Re-firing while open updates the open alert (AlertBook deduplicates).
            return [.fire(AlertSignal(time: sample.time,
                                      message: "\(parameters.metric) \(formatNumber(sample.value)) is anomalous (\(name) \(formatNumber(s)) > \(formatNumber(parameters.threshold)))",
                                      value: sample.value))]
        }
        if firing {
            firing = false
            return [.resolve(time: sample.time, message: "\(parameters.metric) back to normal")]
        }
        return []
    }
}
