public import Hummingbird
import LoRaWAN
public import Registry

/// POST /api/device-groups (id and applicationID required) and PUT /api/device-groups/{id}
/// (name and description; members change through the member routes).
struct DeviceGroupInput: Decodable {
    var id: String?
    var applicationID: String?
    var name: String?
    var description: String?
    var devices: [EUI64]?
    static let schema: [String: FieldSchema] = ["id": .value, "applicationID": .value, "name": .value, "description": .value,
                                                "devices": .array(.value)]
}

struct GroupMemberInput: Decodable {
    var devEUI: EUI64
    static let schema: [String: FieldSchema] = ["devEUI": .value]
}

extension CoreAPI {
    func addDeviceGroupRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("device-groups") { request, context in
            let query = try ListQuery(request)
            let app = try Self.applicationFilter(request, context)
            let page = try await registry.deviceGroups(applicationID: app, limit: query.limit, offset: query.offset)
            return ListBody(items: page.items, total: page.total, limit: query.limit, offset: query.offset)
        }
        api.post("device-groups") { request, context in
            let input = try await decode(DeviceGroupInput.self, request, schema: DeviceGroupInput.schema)
            guard let id = input.id else { throw APIError.badRequest("invalid_field", "missing field 'id'") }
            guard let app = input.applicationID else { throw APIError.badRequest("invalid_field", "missing field 'applicationID'") }
            try Self.requireScope(context, application: app)
            let group = DeviceGroup(id: id, applicationID: app, name: input.name ?? id, description: input.description ?? "",
                                    devices: Array(Set(input.devices ?? [])).sorted { $0.rawValue < $1.rawValue })
            try await registry.createDeviceGroup(group)
            return EditedResponse(status: .created, response: group)
        }
        api.get("device-groups/:id") { _, context in
            try await scopedGroup(try Self.id(context), context)
        }
        api.put("device-groups/:id") { request, context in
            let id = try Self.id(context)
            let input = try await decode(DeviceGroupInput.self, request, schema: DeviceGroupInput.schema)
            var group = try await scopedGroup(id, context)
            if let given = input.id, given != id { throw APIError.badRequest("invalid_field", "id: '\(given)' differs from the path's \(id)") }
            if let app = input.applicationID, app != group.applicationID {
                throw APIError.badRequest("invalid_field", "applicationID: a group cannot move to another application")
            }
            if input.devices != nil { throw APIError.badRequest("invalid_field", "devices: use POST/DELETE /api/device-groups/{id}/devices") }
            if let name = input.name { group.name = name }
            if let description = input.description { group.description = description }
            try await registry.updateDeviceGroup(group)
            return group
        }
        api.delete("device-groups/:id") { _, context in
            let id = try Self.id(context)
            _ = try await scopedGroup(id, context)
            try await registry.deleteDeviceGroup(id: id)
            return noContent
        }
        api.post("device-groups/:id/devices") { request, context in
            let id = try Self.id(context)
            let input = try await decode(GroupMemberInput.self, request, schema: GroupMemberInput.schema)
            _ = try await scopedGroup(id, context)
            try await registry.addDeviceGroupMember(groupID: id, devEUI: input.devEUI)
            return try await scopedGroup(id, context)
        }
        api.delete("device-groups/:id/devices/:devEUI") { _, context in
            let id = try Self.id(context)
            let eui = try Self.eui(context, "devEUI", what: "DevEUI")
            _ = try await scopedGroup(id, context)
            try await registry.removeDeviceGroupMember(groupID: id, devEUI: eui)
            return noContent
        }
    }

    /// The group, or 404 (also for a group of another application than an application key's).
    func scopedGroup(_ id: String, _ context: APIRequestContext) async throws -> DeviceGroup {
        guard let group = try await registry.deviceGroup(id: id) else { throw APIError.notFound("device_group", id) }
        if let own = context.scopedApplication, own != group.applicationID { throw APIError.notFound("device_group", id) }
        return group
    }
}

extension DeviceGroup: ResponseEncodable {}
