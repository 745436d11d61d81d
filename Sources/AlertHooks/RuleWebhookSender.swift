public import Events
public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Sends the HTTP requests of rules' `webhook` actions, signed like alert webhooks.
///
/// Headers on every attempt (the action's own headers first, then these, which win):
/// - `Content-Type: application/json` (`application/octet-stream` for a binary rule output)
/// - `X-Lorikeet-Signature: sha256=<hex HMAC-SHA256 of the exact body under the rules' webhook secret>`
/// - `Idempotency-Key: <rule>/<time ms>/<uuid>` (the same on every retry and after restarts)
/// - `X-Lorikeet-Rule: <rule name>`, `X-Lorikeet-Attempt: <n>`
///
/// Outcomes follow ``WebhookHook/outcome(status:)``: 2xx delivered; 408, 425, 429, 5xx and
/// transport errors retried; other statuses permanent.
public struct RuleWebhookSender: Sendable {
    private let secret: [UInt8]
    public let timeoutSeconds: Double
    private let session: URLSession

    /// - Throws: `AlertHooksError.invalidHook` for an empty secret or a bad timeout.
    public init(secret: String, timeoutSeconds: Double = 10) throws(AlertHooksError) {
        guard !secret.isEmpty else { throw .invalidHook(id: "rules", reason: "the secret must not be empty") }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0 else { throw .invalidHook(id: "rules", reason: "the timeout must be > 0") }
        self.secret = Array(secret.utf8)
        self.timeoutSeconds = timeoutSeconds
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        configuration.httpMaximumConnectionsPerHost = 16
        self.session = URLSession(configuration: configuration)
    }

    /// The `X-Lorikeet-Signature` value for `body`.
    public func signature(for body: some Collection<UInt8>) -> String {
        "sha256=" + HMACSHA256.hex(key: secret, message: body)
    }

    /// The request as sent for one attempt.
    public func urlRequest(for d: RuleDelivery) -> URLRequest? {
        guard let url = URL(string: d.url) else { return nil }
        var r = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeoutSeconds)
        r.httpMethod = d.method
        r.httpBody = Data(d.body)
        for h in d.headers where h.count == 2 { r.setValue(h[1], forHTTPHeaderField: h[0]) }
        let isJSON = d.body.first.map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "\"") } ?? true
        if r.value(forHTTPHeaderField: "Content-Type") == nil {
            r.setValue(isJSON ? "application/json" : "application/octet-stream", forHTTPHeaderField: "Content-Type")
        }
        r.setValue(signature(for: d.body), forHTTPHeaderField: "X-Lorikeet-Signature")
        r.setValue(d.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        r.setValue(d.rule, forHTTPHeaderField: "X-Lorikeet-Rule")
        r.setValue(String(d.attempts + 1), forHTTPHeaderField: "X-Lorikeet-Attempt")
        r.setValue("lorikeet-rules/1", forHTTPHeaderField: "User-Agent")
        return r
    }

    /// Makes one attempt. Never throws: failures are outcomes.
    public func deliver(_ d: RuleDelivery) async -> DeliveryOutcome {
        guard let request = urlRequest(for: d) else { return .permanent("not a URL: \(d.url)") }
        do {
            let (_, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return .retryable("not an HTTP response") }
            return WebhookHook.outcome(status: http.statusCode)
        } catch {
            return .retryable("transport: \(error.localizedDescription)")
        }
    }
}
