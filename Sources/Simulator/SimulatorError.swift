/// What went wrong before or while simulating, said plainly (printed by `lorikeet simulate`).
public enum SimulatorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A command-line value is out of range or unparsable.
    case invalidArgument(String)
    /// The ABP devices file cannot be read or is not the expected JSON.
    case invalidDevicesFile(String)
    /// The region's channel plan cannot be loaded.
    case invalidRegion(String)
    /// The HTTP API cannot be reached (connection refused, timeout, bad URL).
    case apiUnreachable(url: String, reason: String)
    /// The HTTP API refused the key (401/403).
    case apiKeyRefused(status: Int, message: String)
    /// The HTTP API answered a provisioning request with an error.
    case apiError(request: String, status: Int, message: String)
    /// No gateway got a PULL_ACK: nothing listens on the target, or it refuses the gateways.
    case serverUnreachable(target: String)

    public var description: String {
        switch self {
        case let .invalidArgument(m): return m
        case let .invalidDevicesFile(m): return "devices file: \(m)"
        case let .invalidRegion(m): return "region: \(m)"
        case let .apiUnreachable(url, reason): return "cannot reach the HTTP API at \(url) (\(reason)); is `lorikeet serve` running, and is --api right?"
        case let .apiKeyRefused(status, message):
            return "the HTTP API refused the key (\(status)\(message.isEmpty ? "" : ": \(message)")); check --api-key / --api-key-file (the server writes it to <data-dir>/admin.key)"
        case let .apiError(request, status, message): return "\(request) failed with HTTP \(status): \(message)"
        case let .serverUnreachable(target):
            return "no PULL_ACK from \(target) within 2 s: is `lorikeet serve` listening there (--target host:port), and does it accept unknown gateways?"
        }
    }
}
