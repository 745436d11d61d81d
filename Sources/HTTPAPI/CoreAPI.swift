public import Foundation
public import Hummingbird
public import LoRaWAN
import Logging
public import Registry

/// The REST core of the HTTP API: applications, device profiles, devices (keys write-only),
/// gateways, device groups, downlink queues and API keys. See docs/api.md and
/// `GET /api/openapi.json`.
///
/// ```
/// GET/POST           /api/applications        GET/PUT/DELETE /api/applications/{id}
/// GET/POST           /api/device-profiles     GET/PUT/DELETE /api/device-profiles/{id}
/// GET/POST           /api/devices             GET/PUT/DELETE /api/devices/{devEUI}
/// GET/POST/DELETE    /api/devices/{devEUI}/queue             DELETE /api/devices/{devEUI}/queue/{id}
/// GET/POST           /api/gateways            GET/PUT/DELETE /api/gateways/{gatewayEUI}
/// GET/POST           /api/device-groups       GET/PUT/DELETE /api/device-groups/{id}
/// POST               /api/device-groups/{id}/devices         DELETE /api/device-groups/{id}/devices/{devEUI}
/// GET/POST           /api/api-keys            GET/DELETE /api/api-keys/{id}
/// ```
public struct CoreAPI: Sendable {
    /// Enqueues a downlink (the network server's `enqueueDownlink`, so class C goes out at once).
    public typealias Enqueue = @Sendable (_ devEUI: EUI64, _ fPort: UInt8, _ data: [UInt8], _ confirmed: Bool) async throws -> Int64
    /// The current time in milliseconds since the Unix epoch (injected for tests).
    public typealias Now = @Sendable () -> Int64

    let registry: any AdministrationStore
    let sessions: any SessionStore
    let enqueue: Enqueue
    let maxBodyBytes: Int
    let now: Now

    public init(registry: any AdministrationStore, sessions: any SessionStore, configuration: HTTPAPIConfiguration = .init(),
                now: @escaping Now = { Int64(Date().timeIntervalSince1970 * 1000) }, enqueue: @escaping Enqueue) {
        self.registry = registry
        self.sessions = sessions
        self.enqueue = enqueue
        maxBodyBytes = configuration.maxBodyBytes
        self.now = now
    }

    /// Adds every core route under `group` (the `/api` group).
    public func addRoutes(to group: RouterGroup<APIRequestContext>) {
        addApplicationRoutes(to: group)
        addDeviceProfileRoutes(to: group)
        addDeviceRoutes(to: group)
        addQueueRoutes(to: group)
        addGatewayRoutes(to: group)
        addDeviceGroupRoutes(to: group)
        addAPIKeyRoutes(to: group)
    }

    // MARK: Helpers shared by the routes

    func decode<T: Decodable>(_ type: T.Type, _ request: Request, schema: [String: FieldSchema]) async throws -> T {
        try await StrictJSON.decode(T.self, from: request, limit: maxBodyBytes, schema: schema)
    }

    static func eui(_ context: APIRequestContext, _ name: String, what: String) throws -> EUI64 {
        let text = try context.parameters.require(name)
        do { return try EUI64(hex: text) } catch {
            throw APIError.badRequest("invalid_eui", "\(what) '\(text.prefix(40))': \(error.description)")
        }
    }

    static func id(_ context: APIRequestContext, _ name: String = "id") throws -> String {
        try context.parameters.require(name)
    }

    /// For an application key, refuses an application other than its own.
    static func requireScope(_ context: APIRequestContext, application: String) throws {
        if let own = context.scopedApplication, own != application {
            throw APIError(.forbidden, code: "forbidden", message: "this key is scoped to application \(own)")
        }
    }

    /// The `applicationId` filter of a list; an application key is always filtered to its own.
    static func applicationFilter(_ request: Request, _ context: APIRequestContext) throws -> String? {
        let asked = request.uri.queryParameters.get("applicationId")
        if let own = context.scopedApplication {
            if let asked, asked != own { throw APIError(.forbidden, code: "forbidden", message: "this key is scoped to application \(own)") }
            return own
        }
        return asked
    }
}

/// `204 No Content`.
let noContent = HTTPResponse.Status.noContent
