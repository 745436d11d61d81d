import Foundation
public import Hummingbird
public import LoRaWAN
public import Registry

/// Who may call what, decided from the key's role, the method and the path alone (the
/// contract in HELPERS.md): admin keys may do everything; analyst keys may read (GET/HEAD)
/// everything but API keys, and run `POST /api/query`; application keys may use their own
/// application's devices (and everything under `/api/devices/{devEUI}/`), device groups and
/// live stream, and read device profiles and their application; everything else is 403.
///
/// Scoping inside an allowed route (a device list filtered to the key's application, a device
/// created in another application) is the route's work; the decision here only says when the
/// middleware must check a device's application first.
public enum AccessPolicy {
    /// The outcome for one request.
    public enum Decision: Equatable, Sendable {
        case allow
        /// Allowed when the device (if it exists) belongs to the key's application.
        case allowIfDeviceInApplication(EUI64)
        case deny(String)
    }

    /// Paths that answer without a key: health and readiness, and everything outside `/api`
    /// and `/metrics` (the dashboard's static pages, which ask for a key themselves).
    ///
    /// Decided on the path's first non-empty segment, percent-decoded and case-folded, because the
    /// router ignores empty segments: `//api/devices` reaches the same route as `/api/devices`
    /// and must need the same key.
    public static func needsKey(path: String) -> Bool {
        guard let first = path.split(separator: "/", omittingEmptySubsequences: true).first else { return false }
        let segment = (String(first).removingPercentEncoding ?? String(first)).lowercased()
        return segment == "api" || segment == "metrics"
    }

    /// Decides for `key` calling `method path` (path without query; `query` for `/api/stream`).
    public static func decide(_ key: APIKey, method: HTTPRequest.Method, path: String, applicationIdParameter: String?) -> Decision {
        let read = method == .get || method == .head
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch key.role {
        case .admin:
            return .allow
        case .analyst:
            if parts.first == "api", parts.count >= 2, parts[1] == "api-keys" { return .deny("analyst keys cannot see API keys") }
            if read { return .allow }
            if method == .post, parts == ["api", "query"] { return .allow }
            return .deny("analyst keys are read-only (GET) apart from POST /api/query")
        case .application:
            guard let app = key.applicationID else { return .deny("application key without an application") }
            guard parts.first == "api", parts.count >= 2 else { return .deny("application keys may only use their application's devices, groups and stream") }
            let rest = Array(parts.dropFirst())
            switch rest[0] {
            case "openapi.json":
                return read && rest.count == 1 ? .allow : .deny("read-only document")
            case "applications":
                if read && (rest.count == 1 || (rest.count == 2 && rest[1] == app)) { return .allow }
                return .deny("application keys may only read their own application")
            case "device-profiles":
                return read ? .allow : .deny("device profiles are shared by all applications: only admin keys change them")
            case "devices":
                if rest.count == 1 { return method == .get || method == .head || method == .post ? .allow : .deny("method not allowed for application keys") }
                // Routes of other areas under /api/devices/{devEUI}/ rely on this check alone, so an
                // EUI that cannot be read here is refused rather than passed on.
                guard let eui = try? EUI64(hex: rest[1].removingPercentEncoding ?? rest[1]) else {
                    return .deny("malformed DevEUI in the path")
                }
                return .allowIfDeviceInApplication(eui)
            case "device-groups":
                return .allow
            case "stream":
                guard read, rest.count == 1 else { return .deny("application keys may only read the stream") }
                guard applicationIdParameter == app else {
                    return .deny("application keys must pass applicationId=\(app) to /api/stream")
                }
                return .allow
            default:
                return .deny("application keys may only use their application's devices, groups and stream")
            }
        }
    }
}
