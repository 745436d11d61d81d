/// Everything that can be wrong with detector definitions, samples and condition expressions.
///
/// Each case names the condition and carries enough context (a field, a line, a column) for a user
/// to fix their input without reading the source.
public enum EventsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A sample line is not valid JSON or lacks a field (`line` is 1-based when known).
    case invalidSample(line: Int?, reason: String)
    /// A detector definition is inconsistent (`detector` is its id, or "?" when it has none).
    case invalidDefinition(detector: String, reason: String)
    /// A condition or assignment expression does not parse (`column` is 1-based).
    case invalidExpression(expression: String, column: Int, reason: String)
    /// No open alert has this id (acknowledge of an unknown or resolved alert).
    case alertNotFound(id: String)
    /// Stored detector state was written in another format version (it is discarded).
    case incompatibleState(detector: String, version: Int, expected: Int)
    /// Stored detector state does not decode or is inconsistent with its definition.
    case corruptState(detector: String, reason: String)

    /// A stable snake_case code for logs and APIs.
    public var code: String {
        switch self {
        case .invalidSample: "invalid_sample"
        case .invalidDefinition: "invalid_definition"
        case .invalidExpression: "invalid_expression"
        case .alertNotFound: "alert_not_found"
        case .incompatibleState: "incompatible_state"
        case .corruptState: "corrupt_state"
        }
    }

    public var description: String {
        switch self {
        case let .invalidSample(line, reason):
            if let line { return "invalid sample on line \(line): \(reason)" }
            return "invalid sample: \(reason)"
        case let .invalidDefinition(detector, reason):
            return "invalid detector '\(detector)': \(reason)"
        case let .invalidExpression(expression, column, reason):
            return "invalid expression at column \(column): \(reason) (in: \(expression.prefix(120)))"
        case let .alertNotFound(id):
            return "no open alert with id '\(id)'"
        case let .incompatibleState(detector, version, expected):
            return "stored state of detector '\(detector)' has format version \(version), this version reads \(expected)"
        case let .corruptState(detector, reason):
            return "stored state of detector '\(detector)' is corrupt: \(reason)"
        }
    }
}
