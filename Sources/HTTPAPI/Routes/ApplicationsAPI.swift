public import Hummingbird
public import Registry

struct ApplicationInput: Decodable {
    var id: String
    var name: String?
    var description: String?
    static let schema: [String: FieldSchema] = ["id": .value, "name": .value, "description": .value]
}

struct ApplicationUpdate: Decodable {
    var id: String?
    var name: String?
    var description: String?
    static let schema: [String: FieldSchema] = ["id": .value, "name": .value, "description": .value]
}

extension CoreAPI {
    func addApplicationRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("applications") { request, context in
            let query = try ListQuery(request)
            var all = try await registry.applications()
            if let own = context.scopedApplication { all = all.filter { $0.id == own } }
            return query.page(all)
        }
        api.post("applications") { request, _ in
            let input = try await decode(ApplicationInput.self, request, schema: ApplicationInput.schema)
            let app = Registry.Application(id: input.id, name: input.name ?? input.id, description: input.description ?? "")
            try await registry.createApplication(app)
            return EditedResponse(status: .created, response: app)
        }
        api.get("applications/:id") { _, context in
            let id = try Self.id(context)
            guard let app = try await registry.application(id: id) else { throw APIError.notFound("application", id) }
            return app
        }
        api.put("applications/:id") { request, context in
            let id = try Self.id(context)
            let input = try await decode(ApplicationUpdate.self, request, schema: ApplicationUpdate.schema)
            if let given = input.id, given != id { throw APIError.badRequest("invalid_field", "id: '\(given)' differs from the path's \(id)") }
            guard var app = try await registry.application(id: id) else { throw APIError.notFound("application", id) }
            if let name = input.name { app.name = name }
            if let description = input.description { app.description = description }
            try await registry.updateApplication(app)
            return app
        }
        api.delete("applications/:id") { _, context in
            try await registry.deleteApplication(id: try Self.id(context))
            return noContent
        }
    }
}

extension Registry.Application: ResponseEncodable {}
