import Foundation
public import Hummingbird
public import LoRaWAN
import Logging
public import Registry

/// The first HTTP routes: applications, device profiles, devices, gateways and the downlink
/// queue, guarded by the admin key (`Authorization: Bearer <key>`). The API issue completes it.
///
/// ```
/// GET/POST        /api/applications          GET/DELETE /api/applications/{id}
/// GET/POST        /api/device-profiles       GET/DELETE /api/device-profiles/{id}
/// GET/POST        /api/devices               GET/DELETE /api/devices/{devEUI}
/// GET/POST        /api/gateways              GET/DELETE /api/gateways/{gatewayEUI}
/// GET/POST/DELETE /api/devices/{devEUI}/queue
/// GET             /api/health (no key)
/// POST            /api/query, GET /healthz (no key) — added by ``addQueryRoutes(to:adminKey:query:)``
/// ```
public enum AdminAPI {
    /// Enqueues a downlink (the network server's `enqueueDownlink`, so class C goes out at once).
    public typealias Enqueue = @Sendable (_ devEUI: EUI64, _ fPort: UInt8, _ data: [UInt8], _ confirmed: Bool) async throws -> Int64

    public static func router(registry: any RegistryStore, sessions: any SessionStore, adminKey: String,
                              enqueue: @escaping Enqueue) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/api/health") { _, _ in JSONBody(["status": "ok"]) }
        let api = router.group("/api").add(middleware: BearerKeyMiddleware(key: adminKey))

        api.get("applications") { _, _ in JSONBody(try await call { try await registry.applications() }) }
        api.post("applications") { req, ctx in
            let app = try await decode(Application.self, req, ctx)
            try await call { try await registry.createApplication(app) }
            return EditedResponse(status: .created, response: JSONBody(app))
        }
        api.get("applications/:id") { _, ctx in
            let id = try ctx.parameters.require("id")
            guard let app = try await call({ try await registry.application(id: id) }) else { throw notFound("application", id) }
            return JSONBody(app)
        }
        api.delete("applications/:id") { _, ctx in
            let id = try ctx.parameters.require("id")
            try await call { try await registry.deleteApplication(id: id) }
            return HTTPResponse.Status.noContent
        }

        api.get("device-profiles") { _, _ in JSONBody(try await call { try await registry.deviceProfiles() }) }
        api.post("device-profiles") { req, ctx in
            let input = try await decode(DeviceProfileInput.self, req, ctx)
            let profile = input.profile
            try await call { try await registry.createDeviceProfile(profile) }
            return EditedResponse(status: .created, response: JSONBody(profile))
        }
        api.get("device-profiles/:id") { _, ctx in
            let id = try ctx.parameters.require("id")
            guard let p = try await call({ try await registry.deviceProfile(id: id) }) else { throw notFound("device_profile", id) }
            return JSONBody(p)
        }
        api.delete("device-profiles/:id") { _, ctx in
            let id = try ctx.parameters.require("id")
            try await call { try await registry.deleteDeviceProfile(id: id) }
            return HTTPResponse.Status.noContent
        }

        api.get("devices") { req, _ in
            let app = req.uri.queryParameters.get("applicationId")
            return JSONBody(try await call { try await registry.devices(applicationID: app) })
        }
        api.post("devices") { req, ctx in
            let input = try await decode(DeviceInput.self, req, ctx)
            let device = try input.device()
            try await call { try await registry.createDevice(device) }
            return EditedResponse(status: .created, response: JSONBody(device))
        }
        api.get("devices/:devEUI") { _, ctx in
            let eui = try euiParameter(ctx, "devEUI")
            guard let d = try await call({ try await registry.device(devEUI: eui) }) else { throw notFound("device", eui.description) }
            return JSONBody(d)
        }
        api.delete("devices/:devEUI") { _, ctx in
            let eui = try euiParameter(ctx, "devEUI")
            try await call { try await registry.deleteDevice(devEUI: eui) }
            return HTTPResponse.Status.noContent
        }

        api.get("devices/:devEUI/queue") { _, ctx in
            let eui = try euiParameter(ctx, "devEUI")
            return JSONBody(try await call { try await sessions.queue(devEUI: eui) }.map(QueueItemOutput.init))
        }
        api.post("devices/:devEUI/queue") { req, ctx in
            let eui = try euiParameter(ctx, "devEUI")
            let input = try await decode(QueueItemInput.self, req, ctx)
            let data = try input.bytes()
            let id = try await call { try await enqueue(eui, input.fPort, data, input.confirmed ?? false) }
            return EditedResponse(status: .created, response: JSONBody(["id": String(id)]))
        }
        api.delete("devices/:devEUI/queue") { _, ctx in
            let eui = try euiParameter(ctx, "devEUI")
            try await call { try await sessions.flushQueue(devEUI: eui) }
            return HTTPResponse.Status.noContent
        }

        api.get("gateways") { _, _ in JSONBody(try await call { try await registry.gateways() }) }
        api.post("gateways") { req, ctx in
            let gw = try await decode(Gateway.self, req, ctx)
            try await call { try await registry.upsertGateway(gw) }
            return EditedResponse(status: .created, response: JSONBody(gw))
        }
        api.get("gateways/:gatewayEUI") { _, ctx in
            let eui = try euiParameter(ctx, "gatewayEUI")
            guard let g = try await call({ try await registry.gateway(gatewayEUI: eui) }) else { throw notFound("gateway", eui.description) }
            return JSONBody(g)
        }
        api.delete("gateways/:gatewayEUI") { _, ctx in
            let eui = try euiParameter(ctx, "gatewayEUI")
            try await call { try await registry.deleteGateway(gatewayEUI: eui) }
            return HTTPResponse.Status.noContent
        }
        return router
    }

    static func call<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw APIError.from(error) }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ req: Request, _ ctx: BasicRequestContext) async throws -> T {
        do { return try await req.decode(as: T.self, context: ctx) } catch { throw APIError.from(error) }
    }

    static func notFound(_ kind: String, _ id: String) -> APIError {
        APIError(.notFound, code: "\(kind)_not_found", message: "\(kind.replacingOccurrences(of: "_", with: " ")) \(id) not found")
    }

    static func euiParameter(_ ctx: BasicRequestContext, _ name: String) throws -> EUI64 {
        let text = try ctx.parameters.require(name)
        do { return try EUI64(hex: text) } catch {
            throw APIError(.badRequest, code: "invalid_eui", message: error.description)
        }
    }
}

/// Encodes any Encodable as a JSON response.
struct JSONBody<T: Encodable & Sendable>: ResponseEncodable {
    let value: T
    init(_ value: T) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// Requires `Authorization: Bearer <admin key>`; compares in constant time.
struct BearerKeyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let key: [UInt8]
    init(key: String) { self.key = Array(key.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, code: "unauthorized", message: "missing bearer token (the admin key is in <data-dir>/admin.key)")
        }
        let given = Array(header.utf8.dropFirst(7))
        var diff = UInt8(given.count == key.count ? 0 : 1)
        for i in 0..<min(given.count, key.count) { diff |= given[i] ^ key[i] }
        guard diff == 0 else { throw APIError(.unauthorized, code: "unauthorized", message: "invalid admin key") }
        return try await next(request, context)
    }
}

/// POST /api/device-profiles body: every field but id and name optional.
struct DeviceProfileInput: Decodable {
    var id: String
    var name: String?
    var region: String?
    var macVersion: String?
    var regParamsRevision: String?
    var supportsJoin: Bool?
    var supportsClassC: Bool?
    var adrEnabled: Bool?
    var rx1Delay: Int?
    var rx1DROffset: Int?
    var rx2DataRate: Int?
    var rx2Frequency: UInt32?
    var codec: String?

    var profile: DeviceProfile {
        let d = DeviceProfile(id: id, name: name ?? id)
        return DeviceProfile(id: id, name: name ?? id, region: region ?? d.region, macVersion: macVersion ?? d.macVersion,
                             regParamsRevision: regParamsRevision ?? d.regParamsRevision, supportsJoin: supportsJoin ?? true,
                             supportsClassC: supportsClassC ?? false, adrEnabled: adrEnabled ?? true, rx1Delay: rx1Delay ?? 1,
                             rx1DROffset: rx1DROffset ?? 0, rx2DataRate: rx2DataRate, rx2Frequency: rx2Frequency, codec: codec)
    }
}

/// POST /api/devices body.
struct DeviceInput: Decodable {
    var devEUI: EUI64
    var joinEUI: EUI64?
    var name: String?
    var applicationID: String
    var deviceProfileID: String
    var appKey: AES128Key?
    var nwkKey: AES128Key?
    var abp: ABPSettings?
    var disabled: Bool?

    func device() throws -> Device {
        Device(devEUI: devEUI, joinEUI: joinEUI ?? EUI64(0), name: name ?? "", applicationID: applicationID,
               deviceProfileID: deviceProfileID, appKey: appKey, nwkKey: nwkKey, abp: abp, disabled: disabled ?? false)
    }
}

/// POST /api/devices/{devEUI}/queue body: `data` (base64) or `dataHex`.
struct QueueItemInput: Decodable {
    var fPort: UInt8
    var data: String?
    var dataHex: String?
    var confirmed: Bool?

    func bytes() throws -> [UInt8] {
        if let data {
            guard let d = Data(base64Encoded: data) else { throw APIError(.badRequest, code: "invalid_body", message: "data is not base64") }
            return Array(d)
        }
        if let dataHex {
            do { return try [UInt8](hex: dataHex) } catch { throw APIError(.badRequest, code: "invalid_body", message: error.description) }
        }
        return []
    }
}

struct QueueItemOutput: Encodable, Sendable {
    var id: String
    var fPort: UInt8
    var data: String
    var confirmed: Bool
    init(_ item: DownlinkQueueItem) {
        id = String(item.id)
        fPort = item.fPort
        data = Data(item.data).base64EncodedString()
        confirmed = item.confirmed
    }
}
