public import Hummingbird
public import Registry

struct APIKeyInput: Decodable {
    var name: String
    var role: String
    var applicationID: String?
    static let schema: [String: FieldSchema] = ["name": .value, "role": .value, "applicationID": .value]
}

/// The answer to POST /api/api-keys: the key and, this once, its secret.
struct CreatedAPIKey: Encodable, Sendable, ResponseEncodable {
    var id: String
    var name: String
    var role: APIKeyRole
    var applicationID: String?
    var createdAtMillis: Int64
    var secret: String
}

extension CoreAPI {
    func addAPIKeyRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("api-keys") { request, _ in
            let query = try ListQuery(request)
            return query.page(try await registry.apiKeys())
        }
        api.post("api-keys") { request, _ in
            let input = try await decode(APIKeyInput.self, request, schema: APIKeyInput.schema)
            guard let role = APIKeyRole(rawValue: input.role) else {
                throw APIError.badRequest("invalid_field", "role: '\(input.role.prefix(40))' is not admin, application or analyst")
            }
            let (key, secret) = try await registry.createAPIKey(name: input.name, role: role, applicationID: input.applicationID, nowMillis: now())
            return EditedResponse(status: .created, response: CreatedAPIKey(id: key.id, name: key.name, role: key.role, applicationID: key.applicationID,
                                                                            createdAtMillis: key.createdAtMillis, secret: secret))
        }
        api.get("api-keys/:id") { _, context in
            let id = try Self.id(context)
            guard let key = try await registry.apiKey(idOrName: id), key.id == id else { throw APIError.notFound("api_key", id) }
            return key
        }
        api.delete("api-keys/:id") { _, context in
            try await registry.deleteAPIKey(id: try Self.id(context))
            return noContent
        }
    }
}

extension APIKey: ResponseEncodable {}
