/// What a detector asks for after it observed a sample or a clock tick.
///
/// Detectors never create alerts themselves: they return actions, and `AlertBook` turns them into
/// alert transitions with deduplication (one open alert per detector and device).
public enum DetectorAction: Equatable, Sendable {
    /// The condition holds: open an alert, or update the open one.
    case fire(AlertSignal)
    /// The condition cleared: resolve the open alert, if any.
    case resolve(time: Int64, message: String)
    /// A state-machine detector moved between states (informational; not an alert by itself).
    case stateChanged(time: Int64, from: String, to: String)
}

/// The details of a firing condition.
public struct AlertSignal: Equatable, Sendable {
    /// When the condition was detected (sample time or tick time), epoch milliseconds.
    public var time: Int64
    /// A human-readable sentence (`temperature -12.0 above -15.0 for 600 s`).
    public var message: String
    /// The value that triggered it (the sample value, the rate, the score, the silence in seconds).
    public var value: Double?
    /// Overrides the definition's severity when set (state-machine alert actions).
    public var severity: Severity?

    public init(time: Int64, message: String, value: Double? = nil, severity: Severity? = nil) {
        self.time = time
        self.message = message
        self.value = value
        self.severity = severity
    }
}

/// How urgent an alert is.
public enum Severity: String, Codable, Sendable, CaseIterable {
    case info, warning, critical
}

/// Renders a number compactly for alert messages (`-12.5`, `600`).
func formatNumber(_ v: Double) -> String {
    if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    if !v.isFinite { return v > 0 ? "inf" : (v < 0 ? "-inf" : "nan") }
    let r = (v * 1000).rounded() / 1000
    return String(r)
}

/// Converts seconds from a definition to milliseconds; definitions are validated to 0...1e9 s.
func millis(_ seconds: Double) -> Int64 {
    Int64((seconds * 1000).rounded())
}
