public import Events
public import Foundation

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
    private let client: WebhookHTTPClient

    /// - Parameter client: the shared HTTP client (``WebhookHTTPClient/shared`` for one-shot runs;
    ///   `serve` passes its own, shut down at graceful shutdown).
    /// - Throws: `AlertHooksError.invalidHook` for a non-HTTP URL or an empty secret.
    public init(id: String = "webhook", url: URL, secret: String, timeoutSeconds: Double = 10,
                client: WebhookHTTPClient = .shared) throws(AlertHooksError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw .invalidHook(id: id, reason: "the URL must be http:// or https:// with a host")
        }
        guard !secret.isEmpty else { throw .invalidHook(id: id, reason: "the secret must not be empty") }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0 else { throw .invalidHook(id: id, reason: "the timeout must be > 0") }
        self.id = id
        self.url = url
        self.secret = Array(secret.utf8)
        self.timeoutSeconds = timeoutSeconds
        self.client = client
    }

    /// The `X-Lorikeet-Signature` value for `body`.
    public func signature(for body: Data) -> String {
        "sha256=" + HMACSHA256.hex(key: secret, message: body)
    }

    /// The request as sent (exposed for tests and for documentation of the wire format).
    public func webhookRequest(for request: HookRequest) -> WebhookRequest {
        WebhookRequest(method: "POST", url: url.absoluteString, headers: [
            ("Content-Type", "application/json"),
            ("X-Lorikeet-Signature", signature(for: request.body)),
            ("Idempotency-Key", request.idempotencyKey),
            ("X-Lorikeet-Event", request.transition.rawValue),
            ("X-Lorikeet-Attempt", String(request.attempt)),
            ("User-Agent", "lorikeet-alert-hooks/1"),
        ], body: Array(request.body))
    }

    public func deliver(_ request: HookRequest) async -> DeliveryOutcome {
        do {
            return Self.outcome(status: try await client.send(webhookRequest(for: request), timeoutSeconds: timeoutSeconds))
        } catch let e as WebhookHTTPClient.RequestError {
            return .permanent(e.reason)
        } catch {
            return .retryable("transport: \(error)")
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
