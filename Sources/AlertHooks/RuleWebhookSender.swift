public import Events
import Foundation

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
    private let client: WebhookHTTPClient

    /// - Parameter client: the shared HTTP client (`serve` passes its own, shut down at graceful shutdown).
    /// - Throws: `AlertHooksError.invalidHook` for an empty secret or a bad timeout.
    public init(secret: String, timeoutSeconds: Double = 10, client: WebhookHTTPClient = .shared) throws(AlertHooksError) {
        guard !secret.isEmpty else { throw .invalidHook(id: "rules", reason: "the secret must not be empty") }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0 else { throw .invalidHook(id: "rules", reason: "the timeout must be > 0") }
        self.secret = Array(secret.utf8)
        self.timeoutSeconds = timeoutSeconds
        self.client = client
    }

    /// The `X-Lorikeet-Signature` value for `body`.
    public func signature(for body: some Collection<UInt8>) -> String {
        "sha256=" + HMACSHA256.hex(key: secret, message: body)
    }

    /// The request as sent for one attempt: the action's headers, then ours (which replace any
    /// action header of the same name).
    public func webhookRequest(for d: RuleDelivery) -> WebhookRequest {
        let ours: Set<String> = ["x-lorikeet-signature", "idempotency-key", "x-lorikeet-rule", "x-lorikeet-attempt", "user-agent"]
        var headers: [(name: String, value: String)] = []
        var hasContentType = false
        for h in d.headers where h.count == 2 && !ours.contains(h[0].lowercased()) {
            if h[0].lowercased() == "content-type" {
                // Last one wins, as URLRequest's setValue did.
                headers.removeAll { $0.name.lowercased() == "content-type" }
                hasContentType = true
            }
            headers.append((h[0], h[1]))
        }
        if !hasContentType {
            let isJSON = d.body.first.map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "\"") } ?? true
            headers.append(("Content-Type", isJSON ? "application/json" : "application/octet-stream"))
        }
        headers += [
            ("X-Lorikeet-Signature", signature(for: d.body)),
            ("Idempotency-Key", d.idempotencyKey),
            ("X-Lorikeet-Rule", d.rule),
            ("X-Lorikeet-Attempt", String(d.attempts + 1)),
            ("User-Agent", "lorikeet-rules/1"),
        ]
        return WebhookRequest(method: d.method, url: d.url, headers: headers, body: d.body)
    }

    /// Makes one attempt. Never throws: failures are outcomes.
    public func deliver(_ d: RuleDelivery) async -> DeliveryOutcome {
        do {
            return WebhookHook.outcome(status: try await client.send(webhookRequest(for: d), timeoutSeconds: timeoutSeconds))
        } catch let e as WebhookHTTPClient.RequestError {
            return .permanent(e.reason)
        } catch {
            return .retryable("transport: \(error)")
        }
    }
}
