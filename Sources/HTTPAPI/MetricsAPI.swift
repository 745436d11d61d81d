import Foundation
public import Hummingbird

/// `GET /metrics` (Prometheus text exposition) and `GET /readyz` (readiness), outside `/api`.
///
/// ```
/// GET /metrics   200 text/plain; version=0.0.4   (admin or analyst key)
/// GET /readyz    200 {"status":"ready"}
///                503 {"status":"not_ready","error":"not_ready","message":"not ready: broker","notReady":["broker"]}
/// ```
///
/// `/healthz` (liveness, no key) is added by `HTTPAPI.router`. These routes do no authentication
/// of their own: the ``AccessMiddleware`` in front of the router guards `/metrics` (admin and
/// analyst keys; 401 without a valid key, 403 for an application key) and lets `/readyz` through.
public enum MetricsAPI {
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
    public static func addRoutes<Context: RequestContext>(to router: Router<Context>, exposition: Exposition?, readiness: Readiness) {
        router.get("/metrics") { _, _ -> Response in
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
}

/// The `/readyz` body.
struct ReadinessBody: Encodable {
    var status: String
    var error: String?
    var message: String?
    var notReady: [String]?
}
