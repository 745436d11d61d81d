import Foundation
public import Hummingbird
import LoRaWAN
public import Registry

/// ABP settings in a request: 1.0.x devices give `nwkSKey`; 1.1 devices give `fNwkSIntKey`,
/// `sNwkSIntKey` and `nwkSEncKey`; both give `appSKey`.
struct ABPInput: Decodable {
    var devAddr: DevAddr
    var nwkSKey: AES128Key?
    var fNwkSIntKey: AES128Key?
    var sNwkSIntKey: AES128Key?
    var nwkSEncKey: AES128Key?
    var appSKey: AES128Key

    static let schema: FieldSchema = .object(["devAddr": .value, "nwkSKey": .value, "fNwkSIntKey": .value, "sNwkSIntKey": .value,
                                              "nwkSEncKey": .value, "appSKey": .value])

    func settings() throws -> ABPSettings {
        if let nwkSKey {
            guard fNwkSIntKey == nil, sNwkSIntKey == nil, nwkSEncKey == nil else {
                throw APIError.badRequest("invalid_field", "abp: give nwkSKey (1.0.x) or fNwkSIntKey, sNwkSIntKey and nwkSEncKey (1.1), not both")
            }
            return ABPSettings(devAddr: devAddr, keys: SessionKeys(nwkSKey: nwkSKey, appSKey: appSKey))
        }
        guard let f = fNwkSIntKey, let s = sNwkSIntKey, let e = nwkSEncKey else {
            throw APIError.badRequest("invalid_field", "abp: missing nwkSKey (1.0.x) or fNwkSIntKey, sNwkSIntKey and nwkSEncKey (1.1)")
        }
        return ABPSettings(devAddr: devAddr, keys: SessionKeys(fNwkSIntKey: f, sNwkSIntKey: s, nwkSEncKey: e, appSKey: appSKey))
    }
}

/// POST /api/devices (devEUI, applicationID and deviceProfileID required) and PUT
/// /api/devices/{devEUI} (every field optional; what is not named is kept). Keys are write-only.
struct DeviceInput: Decodable {
    var devEUI: EUI64?
    var joinEUI: EUI64?
    var name: String?
    var applicationID: String?
    var deviceProfileID: String?
    var appKey: AES128Key?
    var nwkKey: AES128Key?
    var abp: ABPInput?
    var disabled: Bool?

    static let schema: [String: FieldSchema] = [
        "devEUI": .value, "joinEUI": .value, "name": .value, "applicationID": .value, "deviceProfileID": .value,
        "appKey": .value, "nwkKey": .value, "abp": ABPInput.schema, "disabled": .value,
    ]
}

/// A device as the API (and `lorikeet device list`) shows it: never its keys, only whether they are set.
public struct DeviceOutput: Encodable, Sendable, ResponseEncodable {
    struct ABP: Encodable, Sendable {
        var devAddr: DevAddr
        var hasSessionKeys: Bool
    }
    var devEUI: EUI64
    var joinEUI: EUI64
    var name: String
    var applicationID: String
    var deviceProfileID: String
    var disabled: Bool
    /// `otaa` or `abp`.
    var activation: String
    var hasAppKey: Bool
    var hasNwkKey: Bool
    var abp: ABP?

    /// The redacted view of `d`.
    public init(_ d: Device) {
        self.init(DeviceSummary(d))
    }

    /// The view of a summary (a list row: the registry answers it without reading any key).
    public init(_ s: DeviceSummary) {
        devEUI = s.devEUI; joinEUI = s.joinEUI; name = s.name; applicationID = s.applicationID
        deviceProfileID = s.deviceProfileID; disabled = s.disabled
        activation = s.abpDevAddr == nil ? "otaa" : "abp"
        hasAppKey = s.hasAppKey; hasNwkKey = s.hasNwkKey
        abp = s.abpDevAddr.map { ABP(devAddr: $0, hasSessionKeys: true) }
    }

    /// Writes the same object as `Encodable` does (same names and values), for the list answer.
    func write(to json: inout JSONBytes) {
        json.beginObject()
        json.field("devEUI"); json.hexString(devEUI.rawValue, digits: 16)
        json.field("joinEUI"); json.hexString(joinEUI.rawValue, digits: 16)
        json.field("name"); json.string(name)
        json.field("applicationID"); json.string(applicationID)
        json.field("deviceProfileID"); json.string(deviceProfileID)
        json.field("disabled"); json.bool(disabled)
        json.field("activation"); json.string(activation)
        json.field("hasAppKey"); json.bool(hasAppKey)
        json.field("hasNwkKey"); json.bool(hasNwkKey)
        if let abp {
            json.field("abp")
            json.beginObject()
            json.field("devAddr"); json.hexString(UInt64(abp.devAddr.rawValue), digits: 8)
            json.field("hasSessionKeys"); json.bool(abp.hasSessionKeys)
            json.endObject()
        }
        json.endObject()
    }
}

/// `GET /api/devices`: `{"items": [...], "total": N, "limit": L, "offset": O}` written directly.
struct DeviceListBody: ResponseGenerator {
    var items: [DeviceOutput]
    var total: Int
    var limit: Int
    var offset: Int

    /// The JSON text of the answer.
    func json() -> JSONBytes {
        var json = JSONBytes(capacity: 256 + items.count * 300)
        json.beginObject()
        json.field("items")
        json.beginArray()
        for item in items {
            json.element()
            item.write(to: &json)
        }
        json.endArray()
        json.field("total"); json.int(total)
        json.field("limit"); json.int(limit)
        json.field("offset"); json.int(offset)
        json.endObject()
        return json
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        json().response()
    }
}

extension CoreAPI {
    func addDeviceRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("devices") { request, context in
            let query = try ListQuery(request)
            let app = try Self.applicationFilter(request, context)
            // Summaries: flags straight from SQL, no record decoded and no key unwrapped.
            let page = try await registry.summarizedDevices(applicationID: app, limit: query.limit, offset: query.offset)
            return DeviceListBody(items: page.items.map(DeviceOutput.init), total: page.total, limit: query.limit, offset: query.offset)
        }
        api.post("devices") { request, context in
            let input = try await decode(DeviceInput.self, request, schema: DeviceInput.schema)
            guard let devEUI = input.devEUI else { throw APIError.badRequest("invalid_field", "missing field 'devEUI'") }
            guard let app = input.applicationID else { throw APIError.badRequest("invalid_field", "missing field 'applicationID'") }
            guard let profile = input.deviceProfileID else { throw APIError.badRequest("invalid_field", "missing field 'deviceProfileID'") }
            try Self.requireScope(context, application: app)
            guard input.appKey != nil || input.abp != nil else {
                throw APIError.badRequest("invalid_field", "a device needs appKey (OTAA) or abp (ABP session)")
            }
            let device = Device(devEUI: devEUI, joinEUI: input.joinEUI ?? EUI64(0), name: input.name ?? "", applicationID: app,
                                deviceProfileID: profile, appKey: input.appKey, nwkKey: input.nwkKey, abp: try input.abp?.settings(),
                                disabled: input.disabled ?? false)
            try await registry.createDevice(device)
            return EditedResponse(status: .created, response: DeviceOutput(device))
        }
        api.get("devices/:devEUI") { _, context in
            let eui = try Self.eui(context, "devEUI", what: "DevEUI")
            return DeviceOutput(try await scopedDevice(eui, context))
        }
        api.put("devices/:devEUI") { request, context in
            let eui = try Self.eui(context, "devEUI", what: "DevEUI")
            let input = try await decode(DeviceInput.self, request, schema: DeviceInput.schema)
            if let given = input.devEUI, given != eui { throw APIError.badRequest("invalid_field", "devEUI: \(given) differs from the path's \(eui)") }
            var device = try await scopedDevice(eui, context)
            if let app = input.applicationID {
                try Self.requireScope(context, application: app)
                device.applicationID = app
            }
            if let v = input.joinEUI { device.joinEUI = v }
            if let v = input.name { device.name = v }
            if let v = input.deviceProfileID { device.deviceProfileID = v }
            if let v = input.appKey { device.appKey = v }
            if let v = input.nwkKey { device.nwkKey = v }
            if let v = input.abp { device.abp = try v.settings() }
            if let v = input.disabled { device.disabled = v }
            try await registry.updateDevice(device)
            return DeviceOutput(device)
        }
        api.delete("devices/:devEUI") { _, context in
            let eui = try Self.eui(context, "devEUI", what: "DevEUI")
            _ = try await scopedDevice(eui, context)
            try await registry.deleteDevice(devEUI: eui)
            return noContent
        }
    }

    /// The device, or 404 (also for a device of another application than an application key's).
    func scopedDevice(_ eui: EUI64, _ context: APIRequestContext) async throws -> Device {
        guard let device = try await registry.device(devEUI: eui) else { throw APIError.notFound("device", eui.description) }
        if let own = context.scopedApplication, own != device.applicationID { throw APIError.notFound("device", eui.description) }
        return device
    }
}
