public import Events
public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Errors in a hook's configuration.
public enum AlertHooksError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidHook(id: String, reason: String)
    case unreadableFile(path: String, reason: String)

    public var code: String {
        switch self {
        case .invalidHook: "invalid_hook"
        case .unreadableFile: "unreadable_file"
        }
    }

    public var description: String {
        switch self {
        case let .invalidHook(id, reason): "invalid hook '\(id)': \(reason)"
        case let .unreadableFile(path, reason): "cannot read \(path): \(reason)"
        }
    }
}

/// An HTTP webhook: `POST` of the alert transition's JSON to a URL.
///
/// Headers on every attempt:
/// - `Content-Type: application/json`
/// - `X-Lorikeet-Signature: sha256=<hex HMAC-SHA256 of the exact body under the hook's secret>`
/// - `Idempotency-Key: <alert id>/<transition>` (the same on every retry; receivers drop repeats)
/// - `X-Lorikeet-Event: fired | acknowledged | resolved`, `X-Lorikeet-Attempt: <n>`
///
/// 2xx is delivered; 408, 425, 429, 5xx and transport errors (refused, timeout) are retried;
/// other statuses are permanent failures.
public struct WebhookHook: AlertHook {
    public let id: String
    public let url: URL
    private let secret: [UInt8]
    public let timeoutSeconds: Double
    private let session: URLSession

    /// - Throws: `AlertHooksError.invalidHook` for a non-HTTP URL or an empty secret.
    public init(id: String = "webhook", url: URL, secret: String, timeoutSeconds: Double = 10) throws(AlertHooksError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw .invalidHook(id: id, reason: "the URL must be http:// or https:// with a host")
        }
        guard !secret.isEmpty else { throw .invalidHook(id: id, reason: "the secret must not be empty") }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0 else { throw .invalidHook(id: id, reason: "the timeout must be > 0") }
        self.id = id
        self.url = url
        self.secret = Array(secret.utf8)
        self.timeoutSeconds = timeoutSeconds
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        configuration.httpMaximumConnectionsPerHost = 8
        self.session = URLSession(configuration: configuration)
    }

    /// The `X-Lorikeet-Signature` value for `body`.
    public func signature(for body: Data) -> String {
        "sha256=" + HMACSHA256.hex(key: secret, message: body)
    }

    /// The request as sent (exposed for tests and for documentation of the wire format).
    public func urlRequest(for request: HookRequest) -> URLRequest {
        var r = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeoutSeconds)
        r.httpMethod = "POST"
        r.httpBody = request.body
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        r.setValue(signature(for: request.body), forHTTPHeaderField: "X-Lorikeet-Signature")
        r.setValue(request.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        r.setValue(request.transition.rawValue, forHTTPHeaderField: "X-Lorikeet-Event")
        r.setValue(String(request.attempt), forHTTPHeaderField: "X-Lorikeet-Attempt")
        r.setValue("lorikeet-alert-hooks/1", forHTTPHeaderField: "User-Agent")
        return r
    }

    public func deliver(_ request: HookRequest) async -> DeliveryOutcome {
        do {
            let (_, response) = try await session.data(for: urlRequest(for: request))
            guard let http = response as? HTTPURLResponse else { return .retryable("not an HTTP response") }
            return Self.outcome(status: http.statusCode)
        } catch {
            return .retryable("transport: \(error.localizedDescription)")
        }
    }

    /// Maps an HTTP status to a delivery outcome.
    public static func outcome(status: Int) -> DeliveryOutcome {
        switch status {
        case 200..<300: .delivered
        case 408, 425, 429, 500..<600: .retryable("HTTP \(status)")
        default: .permanent("HTTP \(status)")
        }
    }
}
