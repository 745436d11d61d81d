/// Errors of the pure time-series layer: corrupt chunk blobs, unparsable times and intervals,
/// JSON that is not an object.
///
/// Every case says what is wrong so that a log line or an API error is actionable on its own.
public enum TimeSeriesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The blob ended before a field could be read (`field` names what was being read).
    case truncated(field: String)
    /// The blob's format-version byte is not one this build can read.
    case unsupportedFormatVersion(UInt8)
    /// An algorithm byte names no known algorithm.
    case unknownAlgorithm(kind: String, id: UInt8)
    /// A field holds a value outside its valid range.
    case invalidField(field: String, reason: String)
    /// Bytes remain after the last point.
    case trailingBytes(count: Int)
    /// A timestamp string is not RFC 3339.
    case invalidTimestamp(String)
    /// An interval string such as `'1 hour'` could not be read.
    case invalidInterval(String)
    /// The uplink object could not be read as a JSON object.
    case invalidJSON(String)

    public var description: String {
        switch self {
        case let .truncated(field): return "chunk blob truncated while reading \(field)"
        case let .unsupportedFormatVersion(v): return "unsupported chunk format version \(v)"
        case let .unknownAlgorithm(kind, id): return "unknown \(kind) algorithm \(id)"
        case let .invalidField(field, reason): return "invalid \(field): \(reason)"
        case let .trailingBytes(count): return "\(count) trailing bytes after the last point"
        case let .invalidTimestamp(s): return "not an RFC 3339 timestamp: '\(s.prefix(80))'"
        case let .invalidInterval(s): return "not an interval (expected e.g. '15 minutes', '1 hour', '7 days'): '\(s.prefix(80))'"
        case let .invalidJSON(reason): return "invalid JSON: \(reason)"
        }
    }
}
