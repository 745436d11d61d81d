import CoreMetrics
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Observability
import Registry
import Testing

@Suite struct MetricsAPITests {
    let key = "test-admin-key-0123456789"

    /// The routes behind the access middleware, as `lorikeet serve` builds them (the middleware,
    /// not the routes, guards /metrics).
    func app(exposition: MetricsAPI.Exposition?, readiness: Readiness,
             registry: any AdministrationStore) -> some ApplicationProtocol {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: AccessMiddleware(adminKey: key, registry: registry))
        MetricsAPI.addRoutes(to: router, exposition: exposition, readiness: readiness)
        return Application(router: router)
    }

    func app(exposition: MetricsAPI.Exposition?, readiness: Readiness) throws -> some ApplicationProtocol {
        app(exposition: exposition, readiness: readiness, registry: try SQLiteRegistry(path: ":memory:"))
    }

    @Test func readyzListsWhatIsNotReadyUntilEverythingIs() async throws {
        let readiness = Readiness(components: ["udp_bridge", "broker", "telemetry_store", "http"])
        readiness.markReady("telemetry_store")
        try await app(exposition: nil, readiness: readiness).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["status"] as? String == "not_ready")
                #expect(body?["error"] as? String == "not_ready")
                #expect(body?["notReady"] as? [String] == ["udp_bridge", "broker", "http"])
            }
            for c in ["udp_bridge", "broker", "http"] { readiness.markReady(c) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ready"}"#)
            }
            readiness.markNotReady("shutting_down")
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("shutting_down"))
            }
        }
    }

    @Test func metricsNeedsAnAdminOrAnalystKeyAndRendersTheRegistry() async throws {
        let factory = LorikeetMetricsFactory()
        CoreMetrics.Counter(label: "ns_uplinks_total", dimensions: [("type", "join")], factory: factory).increment(by: 4)
        let exposition = MetricsAPI.Exposition(contentType: LorikeetMetricsFactory.contentType, render: { factory.exposition() })
        let registry = try SQLiteRegistry(path: ":memory:")
        try await registry.createApplication(Application(id: "app1", name: "App 1"))
        let analyst = try await registry.createAPIKey(name: "analyst", role: .analyst, applicationID: nil, nowMillis: 0).secret
        let appKey = try await registry.createAPIKey(name: "app", role: .application, applicationID: "app1", nowMillis: 0).secret
        try await app(exposition: exposition, readiness: Readiness(components: []), registry: registry).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains(#""error":"unauthorized""#))
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(appKey)"]) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(analyst)"]) { response in
                #expect(response.status == .ok)
            }
            // /readyz needs no key.
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(key)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(String(buffer: response.body).contains(#"lorikeet_ns_uplinks_total{type="join"} 4"#))
            }
        }
    }

    @Test func withoutABackendMetricsSaysSo() async throws {
        try await app(exposition: nil, readiness: Readiness(components: [])).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(key)"]) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("metrics_unavailable"))
            }
        }
    }
}
