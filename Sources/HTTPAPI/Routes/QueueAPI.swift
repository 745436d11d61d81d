import Foundation
import Hummingbird
import LoRaWAN
import Registry

/// POST /api/devices/{devEUI}/queue: `data` (base64) or `dataHex`, not both.
struct QueueItemInput: Decodable {
    var fPort: Int
    var data: String?
    var dataHex: String?
    var confirmed: Bool?

    static let schema: [String: FieldSchema] = ["fPort": .value, "data": .value, "dataHex": .value, "confirmed": .value]

    func bytes() throws -> [UInt8] {
        switch (data, dataHex) {
        case (.some, .some): throw APIError.badRequest("invalid_field", "give data (base64) or dataHex, not both")
        case let (.some(data), nil):
            guard let d = Data(base64Encoded: data) else { throw APIError.badRequest("invalid_field", "data: not base64") }
            return Array(d)
        case let (nil, .some(hex)):
            do { return try [UInt8](hex: hex) } catch { throw APIError.badRequest("invalid_field", "dataHex: \(error.description)") }
        case (nil, nil): return []
        }
    }
}

struct QueueItemOutput: Encodable, Sendable {
    var id: String
    var fPort: UInt8
    var data: String
    var confirmed: Bool
    var createdAtMillis: Int64
    var expiresAtMillis: Int64?
    init(_ item: DownlinkQueueItem) {
        id = String(item.id)
        fPort = item.fPort
        data = Data(item.data).base64EncodedString()
        confirmed = item.confirmed
        createdAtMillis = item.createdAtMillis
        expiresAtMillis = item.expiresAtMillis
    }
}

struct CreatedID: Encodable, Sendable, ResponseEncodable { var id: String }

extension CoreAPI {
    func addQueueRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("devices/:devEUI/queue") { request, context in
            let query = try ListQuery(request)
            let eui = try Self.eui(context, "devEUI", what: "DevEUI")
            _ = try await scopedDevice(eui, context)
            return query.page(try await sessions.queue(devEUI: eui).map(QueueItemOutput.init))
        }
        api.post("devices/:devEUI/queue") { request, context in
            let eui = try Self.eui(context, "devEUI", what: "DevEUI")
            let input = try await decode(QueueItemInput.self, request, schema: QueueItemInput.schema)
            guard (1...223).contains(input.fPort) else { throw APIError.badRequest("invalid_field", "fPort: \(input.fPort) outside 1…223") }
            let data = try input.bytes()
            guard data.count <= 242 else { throw APIError.badRequest("invalid_field", "data: \(data.count) bytes, at most 242 fit in any region") }
            _ = try await scopedDevice(eui, context)
            let id = try await enqueue(eui, UInt8(input.fPort), data, input.confirmed ?? false)
            return EditedResponse(status: .created, response: CreatedID(id: String(id)))
        }
        api.delete("devices/:devEUI/queue") { _, context in
            let eui = try Self.eui(context, "devEUI", what: "DevEUI")
            _ = try await scopedDevice(eui, context)
            try await sessions.flushQueue(devEUI: eui)
            return noContent
        }
        api.delete("devices/:devEUI/queue/:id") { _, context in
            let eui = try Self.eui(context, "devEUI", what: "DevEUI")
            let text = try Self.id(context)
            guard let id = Int64(text) else { throw APIError.badRequest("invalid_parameter", "queue item id must be an integer") }
            _ = try await scopedDevice(eui, context)
            guard try await sessions.queue(devEUI: eui).contains(where: { $0.id == id }) else {
                throw APIError.notFound("queue_item", text)
            }
            try await sessions.removeQueueItem(id: id)
            return noContent
        }
    }
}
