import Broker
import Registry

/// MQTT login with the HTTP API's keys.
///
/// User name = the key's id or name, password = its secret; the data directory's admin key logs
/// in as user `admin`. Roles map to broker principals: admin → `.admin`, application →
/// `.application(id:)` (isolated to `application/{id}/…`), analyst → `.analyst` (subscribe
/// everywhere, never publish). Users listed in the broker configuration are checked first (and a
/// configured user name is never looked up as a key); clients without a user name are anonymous
/// only where the broker configuration allows it.
struct APIKeyBrokerAuthenticator: BrokerAuthenticator {
    let configured: ConfigurationAuthenticator
    let configuredNames: Set<String>
    let registry: any AdministrationStore
    let adminSecret: [UInt8]

    init(configuration: BrokerConfiguration, registry: any AdministrationStore, adminKey: String) {
        configured = ConfigurationAuthenticator(configuration: configuration)
        configuredNames = Set(configuration.users.map(\.username))
        self.registry = registry
        adminSecret = Array(adminKey.utf8)
    }

    func authenticate(_ request: AuthenticationRequest) async -> Principal? {
        guard let username = request.username, !configuredNames.contains(username) else { return configured.principal(for: request) }
        guard let password = request.password, password.count <= 256 else { return nil }
        if username == "admin" {
            return APIKey.constantTimeEqual(password, adminSecret) ? .admin(username: "admin") : nil
        }
        guard let key = try? await registry.verifyAPIKey(idOrName: username, secret: String(decoding: password, as: UTF8.self)) else { return nil }
        switch key.role {
        case .admin: return .admin(username: key.name)
        case .analyst: return .analyst(username: key.name)
        case .application:
            guard let app = key.applicationID else { return nil }
            return .application(id: app, username: key.name)
        }
    }
}
