import Hummingbird
import LoRaWAN
import Registry
import Testing
@testable import HTTPAPI

@Suite("Access policy: who may call what")
struct AccessPolicyTests {
    static let admin = APIKey(id: "a", name: "a", role: .admin, createdAtMillis: 0)
    static let analyst = APIKey(id: "n", name: "n", role: .analyst, createdAtMillis: 0)
    static let app = APIKey(id: "p", name: "p", role: .application, applicationID: "farm", createdAtMillis: 0)

    func decide(_ key: APIKey, _ method: HTTPRequest.Method, _ path: String, app: String? = nil) -> AccessPolicy.Decision {
        AccessPolicy.decide(key, method: method, path: path, applicationIdParameter: app)
    }

    func allowed(_ d: AccessPolicy.Decision) -> Bool { if case .deny = d { false } else { true } }

    @Test("only /api and /metrics need a key")
    func needsKey() {
        #expect(AccessPolicy.needsKey(path: "/api/devices"))
        #expect(AccessPolicy.needsKey(path: "/api"))
        #expect(AccessPolicy.needsKey(path: "/metrics"))
        #expect(!AccessPolicy.needsKey(path: "/healthz"))
        #expect(!AccessPolicy.needsKey(path: "/readyz"))
        #expect(!AccessPolicy.needsKey(path: "/apix"))
        #expect(!AccessPolicy.needsKey(path: "/"))
        // The router ignores empty segments: these reach /api routes and need a key too.
        #expect(AccessPolicy.needsKey(path: "//api/applications"))
        #expect(AccessPolicy.needsKey(path: "///metrics"))
        #expect(AccessPolicy.needsKey(path: "/%61pi/devices"))
        #expect(AccessPolicy.needsKey(path: "/API/devices"))
    }

    @Test("admin keys may do everything", arguments: [HTTPRequest.Method.get, .post, .put, .delete])
    func admin(method: HTTPRequest.Method) {
        for path in ["/api/devices", "/api/api-keys", "/api/rules/x", "/metrics", "/api/anything"] {
            #expect(decide(Self.admin, method, path) == .allow)
        }
    }

    @Test("analyst keys read everything but API keys, and may query")
    func analyst() {
        #expect(decide(Self.analyst, .get, "/api/devices") == .allow)
        #expect(decide(Self.analyst, .head, "/api/gateways") == .allow)
        #expect(decide(Self.analyst, .get, "/metrics") == .allow)
        #expect(decide(Self.analyst, .get, "/api/alerts") == .allow)
        #expect(decide(Self.analyst, .post, "/api/query") == .allow)
        #expect(!allowed(decide(Self.analyst, .get, "/api/api-keys")))
        #expect(!allowed(decide(Self.analyst, .post, "/api/alerts/1/acknowledge")))
        #expect(!allowed(decide(Self.analyst, .delete, "/api/devices/0000000000000001")))
        #expect(!allowed(decide(Self.analyst, .put, "/api/rules/r")))
        #expect(!allowed(decide(Self.analyst, .post, "/api/query/extra")))
    }

    @Test("application keys: their devices, groups and stream; profiles read-only; the rest denied")
    func application() {
        #expect(decide(Self.app, .get, "/api/devices") == .allow)
        #expect(decide(Self.app, .post, "/api/devices") == .allow)
        #expect(!allowed(decide(Self.app, .delete, "/api/devices")))
        #expect(decide(Self.app, .get, "/api/devices/0004A30B001C0530") == .allowIfDeviceInApplication(EUI64(0x0004_A30B_001C_0530)))
        #expect(decide(Self.app, .post, "/api/devices/0004a30b001c0530/queue") == .allowIfDeviceInApplication(EUI64(0x0004_A30B_001C_0530)))
        #expect(decide(Self.app, .get, "/api/devices/0004a30b001c0530/events") == .allowIfDeviceInApplication(EUI64(0x0004_A30B_001C_0530)))
        #expect(decide(Self.app, .get, "/api/devices/%30004a30b001c0530") == .allowIfDeviceInApplication(EUI64(0x0004_A30B_001C_0530)))
        #expect(!allowed(decide(Self.app, .get, "/api/devices/not-an-eui/events")))
        #expect(decide(Self.app, .get, "/api/device-profiles") == .allow)
        #expect(!allowed(decide(Self.app, .post, "/api/device-profiles")))
        #expect(decide(Self.app, .get, "/api/applications/farm") == .allow)
        #expect(!allowed(decide(Self.app, .get, "/api/applications/other")))
        #expect(!allowed(decide(Self.app, .put, "/api/applications/farm")))
        #expect(decide(Self.app, .get, "/api/stream", app: "farm") == .allow)
        #expect(!allowed(decide(Self.app, .get, "/api/stream", app: "other")))
        #expect(!allowed(decide(Self.app, .get, "/api/stream")))
        #expect(decide(Self.app, .get, "/api/device-groups") == .allow)
        for path in ["/api/gateways", "/api/api-keys", "/api/rules", "/api/alerts", "/api/detectors", "/metrics", "/api/query", "/api"] {
            #expect(!allowed(decide(Self.app, .get, path)), "\(path)")
        }
        #expect(!allowed(decide(Self.app, .post, "/api/query")))
        let orphan = APIKey(id: "o", name: "o", role: .application, createdAtMillis: 0)
        #expect(!allowed(decide(orphan, .get, "/api/devices")))
    }
}
