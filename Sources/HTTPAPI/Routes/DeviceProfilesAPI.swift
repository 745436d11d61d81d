public import Hummingbird
public import Registry

/// POST /api/device-profiles and PUT /api/device-profiles/{id}: every field but `id` optional
/// (a PUT keeps what it does not name).
struct DeviceProfileInput: Decodable {
    var id: String?
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

    static let schema: [String: FieldSchema] = Dictionary(uniqueKeysWithValues: [
        "id", "name", "region", "macVersion", "regParamsRevision", "supportsJoin", "supportsClassC", "adrEnabled",
        "rx1Delay", "rx1DROffset", "rx2DataRate", "rx2Frequency", "codec",
    ].map { ($0, FieldSchema.value) })

    func applied(to p: DeviceProfile) -> DeviceProfile {
        var p = p
        if let name { p.name = name }
        if let region { p.region = region }
        if let macVersion { p.macVersion = macVersion }
        if let regParamsRevision { p.regParamsRevision = regParamsRevision }
        if let supportsJoin { p.supportsJoin = supportsJoin }
        if let supportsClassC { p.supportsClassC = supportsClassC }
        if let adrEnabled { p.adrEnabled = adrEnabled }
        if let rx1Delay { p.rx1Delay = rx1Delay }
        if let rx1DROffset { p.rx1DROffset = rx1DROffset }
        if let rx2DataRate { p.rx2DataRate = rx2DataRate }
        if let rx2Frequency { p.rx2Frequency = rx2Frequency }
        if let codec { p.codec = codec.isEmpty ? nil : codec }
        return p
    }
}

extension CoreAPI {
    func addDeviceProfileRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("device-profiles") { request, _ in
            let query = try ListQuery(request)
            return query.page(try await registry.deviceProfiles())
        }
        api.post("device-profiles") { request, _ in
            let input = try await decode(DeviceProfileInput.self, request, schema: DeviceProfileInput.schema)
            guard let id = input.id else { throw APIError.badRequest("invalid_field", "missing field 'id'") }
            let profile = input.applied(to: DeviceProfile(id: id, name: id))
            try await registry.createDeviceProfile(profile)
            return EditedResponse(status: .created, response: profile)
        }
        api.get("device-profiles/:id") { _, context in
            let id = try Self.id(context)
            guard let p = try await registry.deviceProfile(id: id) else { throw APIError.notFound("device_profile", id) }
            return p
        }
        api.put("device-profiles/:id") { request, context in
            let id = try Self.id(context)
            let input = try await decode(DeviceProfileInput.self, request, schema: DeviceProfileInput.schema)
            if let given = input.id, given != id { throw APIError.badRequest("invalid_field", "id: '\(given)' differs from the path's \(id)") }
            guard let existing = try await registry.deviceProfile(id: id) else { throw APIError.notFound("device_profile", id) }
            let updated = input.applied(to: existing)
            try await registry.updateDeviceProfile(updated)
            return updated
        }
        api.delete("device-profiles/:id") { _, context in
            try await registry.deleteDeviceProfile(id: try Self.id(context))
            return noContent
        }
    }
}

extension DeviceProfile: ResponseEncodable {}
