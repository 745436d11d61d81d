import Foundation
public import Hummingbird

/// `GET /metrics` (Prometheus text exposition) and `GET /readyz` (readiness), outside `/api`.
///
/// ```
/// GET /metrics   200 text/plain; version=0.0.4   (needs a key: see `authorize`)
/// GET /readyz    200 {"status":"ready"}
///                503 {"status":"not_ready","error":"not_ready","message":"not ready: broker","notReady":["broker"]}
/// ```
///
/// `/healthz` (liveness, no key) is added by `HTTPAPI.router`.
public enum MetricsAPI {
    /// Decides whether a request may read `/metrics`; throws an `HTTPResponseError` (401/403) when
    /// not. `/metrics` is outside the `/api` group, so its key check is passed in: the admin key
    /// today (``adminKey(_:)``), the API-key roles (admin or analyst) once they exist.
    public typealias Authorize = @Sendable (_ request: Request) async throws -> Void

    /// The metrics text and its content type (the swift-metrics backend's registry, rendered).
    public struct Exposition: Sendable {
        public var contentType: String
        public var render: @Sendable () -> [UInt8]

        public init(contentType: String, render: @escaping @Sendable () -> [UInt8]) {
            self.contentType = contentType
            self.render = render
        }
    }

    /// Adds `GET /metrics` and `GET /readyz`.
    /// - Parameters:
    ///   - exposition: nil when no metrics backend was bootstrapped (in-process tests): `/metrics`
    ///     then answers 503 `metrics_unavailable`.
    ///   - readiness: the server's components.
    ///   - authorize: the key check of `/metrics`.
    public static func addRoutes<Context: RequestContext>(to router: Router<Context>, exposition: Exposition?, readiness: Readiness,
                                                          authorize: @escaping Authorize) {
        router.get("/metrics") { request, _ -> Response in
            try await authorize(request)
            guard let exposition else {
                throw APIError(.serviceUnavailable, code: "metrics_unavailable", message: "no metrics backend is bootstrapped in this process")
            }
            var headers = HTTPFields()
            headers[.contentType] = exposition.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: exposition.render())))
        }
        router.get("/readyz") { _, _ -> Response in
            let waiting = readiness.notReady
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.cacheControl] = "no-store"
            let body: ReadinessBody
            let status: HTTPResponse.Status
            if waiting.isEmpty {
                body = ReadinessBody(status: "ready")
                status = .ok
            } else {
                body = ReadinessBody(status: "not_ready", error: "not_ready", message: "not ready: \(waiting.joined(separator: ", "))", notReady: waiting)
                status = .serviceUnavailable
            }
            let data = (try? JSONEncoder().encode(body)) ?? Data()
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// A key check that accepts `Authorization: Bearer <key>` for this one key (constant-time compare).
    public static func adminKey(_ key: String) -> Authorize {
        let expected = Array(key.utf8)
        return { request in
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
                throw APIError(.unauthorized, code: "unauthorized", message: "missing bearer token (the admin key is in <data-dir>/admin.key)")
            }
            let given = Array(header.utf8.dropFirst(7))
            var diff = UInt8(given.count == expected.count ? 0 : 1)
            for i in 0..<min(given.count, expected.count) { diff |= given[i] ^ expected[i] }
            guard diff == 0 else { throw APIError(.unauthorized, code: "unauthorized", message: "invalid key") }
        }
    }
}

/// The `/readyz` body.
struct ReadinessBody: Encodable {
    var status: String
    var error: String?
    var message: String?
    var notReady: [String]?
}
