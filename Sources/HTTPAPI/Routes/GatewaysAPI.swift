public import Hummingbird
import LoRaWAN
public import Registry

struct LocationInput: Decodable {
    var latitude: Double
    var longitude: Double
    var altitude: Double?
    static let schema: FieldSchema = .object(["latitude": .value, "longitude": .value, "altitude": .value])

    func location() throws -> GatewayLocation {
        guard (-90...90).contains(latitude) else { throw APIError.badRequest("invalid_field", "location.latitude: \(latitude) outside -90…90") }
        guard (-180...180).contains(longitude) else { throw APIError.badRequest("invalid_field", "location.longitude: \(longitude) outside -180…180") }
        return GatewayLocation(latitude: latitude, longitude: longitude, altitude: altitude ?? 0)
    }
}

/// POST /api/gateways (gatewayEUI required) and PUT /api/gateways/{gatewayEUI}.
struct GatewayInput: Decodable {
    var gatewayEUI: EUI64?
    var name: String?
    var location: LocationInput?
    static let schema: [String: FieldSchema] = ["gatewayEUI": .value, "name": .value, "location": LocationInput.schema]
}

extension CoreAPI {
    func addGatewayRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("gateways") { request, _ in
            let query = try ListQuery(request)
            return query.page(try await registry.gateways())
        }
        api.post("gateways") { request, _ in
            let input = try await decode(GatewayInput.self, request, schema: GatewayInput.schema)
            guard let eui = input.gatewayEUI else { throw APIError.badRequest("invalid_field", "missing field 'gatewayEUI'") }
            let gateway = Gateway(gatewayEUI: eui, name: input.name ?? "", location: try input.location?.location())
            try await registry.createGateway(gateway)
            return EditedResponse(status: .created, response: gateway)
        }
        api.get("gateways/:gatewayEUI") { _, context in
            let eui = try Self.eui(context, "gatewayEUI", what: "gateway EUI")
            guard let g = try await registry.gateway(gatewayEUI: eui) else { throw APIError.notFound("gateway", eui.description) }
            return g
        }
        api.put("gateways/:gatewayEUI") { request, context in
            let eui = try Self.eui(context, "gatewayEUI", what: "gateway EUI")
            let input = try await decode(GatewayInput.self, request, schema: GatewayInput.schema)
            if let given = input.gatewayEUI, given != eui { throw APIError.badRequest("invalid_field", "gatewayEUI: \(given) differs from the path's \(eui)") }
            guard var g = try await registry.gateway(gatewayEUI: eui) else { throw APIError.notFound("gateway", eui.description) }
            if let name = input.name { g.name = name }
            if let location = input.location { g.location = try location.location() }
            try await registry.upsertGateway(g)
            return g
        }
        api.delete("gateways/:gatewayEUI") { _, context in
            try await registry.deleteGateway(gatewayEUI: try Self.eui(context, "gatewayEUI", what: "gateway EUI"))
            return noContent
        }
    }
}

extension Gateway: ResponseEncodable {}
