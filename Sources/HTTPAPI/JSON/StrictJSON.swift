import Foundation
import Hummingbird

/// The fields a request body may have; anything else is refused with `unknown_field`.
indirect enum FieldSchema: Sendable {
    /// A leaf value (its type is checked by the Decodable type).
    case value
    /// An object with these fields.
    case object([String: FieldSchema])
    /// An array whose elements follow the schema.
    case array(FieldSchema)
}

/// Reads request bodies strictly: size-limited, JSON only, no unknown fields, and decoding errors
/// that name the field (`devEUI: EUI-64 must be 8 bytes, got 7`).
enum StrictJSON {
    /// Collects the body (413 over `limit`).
    static func body(_ request: Request, limit: Int) async throws -> Data {
        do { return Data(buffer: try await request.body.collect(upTo: limit)) } catch let e as HTTPError where e.status == .contentTooLarge {
            throw APIError(.contentTooLarge, code: "payload_too_large", message: "request body is over the limit of \(limit) bytes")
        }
    }

    /// Decodes `T` from the request body after checking its fields against `schema`.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int, schema: [String: FieldSchema]) async throws -> T {
        try decode(T.self, from: try await body(request, limit: limit), schema: schema)
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data, schema: [String: FieldSchema]) throws -> T {
        guard !data.isEmpty else { throw APIError.badRequest("invalid_body", "request body is empty: expected a JSON object") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw APIError.badRequest("invalid_json", "request body is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else { throw APIError.badRequest("invalid_body", "request body must be a JSON object") }
        try check(dictionary, schema: schema, path: "")
        do { return try JSONDecoder().decode(T.self, from: data) } catch let error as DecodingError {
            throw APIError.badRequest("invalid_field", describe(error))
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("invalid_body", "request body: \(String(describing: error).prefix(200))")
        }
    }

    static func check(_ object: [String: Any], schema: [String: FieldSchema], path: String) throws {
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            let here = path.isEmpty ? name : "\(path).\(name)"
            guard let field = schema[name] else {
                let allowed = schema.keys.sorted().joined(separator: ", ")
                throw APIError.badRequest("unknown_field", "unknown field '\(here)' (allowed: \(allowed))")
            }
            try check(value, field: field, path: here)
        }
    }

    static func check(_ value: Any, field: FieldSchema, path: String) throws {
        switch field {
        case .value: return
        case let .object(inner):
            if value is NSNull { return }
            guard let dictionary = value as? [String: Any] else { throw APIError.badRequest("invalid_field", "\(path): expected an object") }
            try check(dictionary, schema: inner, path: path)
        case let .array(element):
            if value is NSNull { return }
            guard let array = value as? [Any] else { throw APIError.badRequest("invalid_field", "\(path): expected an array") }
            for (i, item) in array.enumerated() { try check(item, field: element, path: "\(path)[\(i)]") }
        }
    }

    /// A decoding error as `field.path: what is wrong`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for k in keys {
                if let i = k.intValue { out += "[\(i)]" } else { out += out.isEmpty ? k.stringValue : ".\(k.stringValue)" }
            }
            return out.isEmpty ? "body" : out
        }
        switch error {
        case let .keyNotFound(key, ctx):
            return "missing field '\(path(ctx.codingPath + [key]))'"
        case let .typeMismatch(type, ctx):
            return "\(path(ctx.codingPath)): expected \(describeType(type))"
        case let .valueNotFound(type, ctx):
            return "\(path(ctx.codingPath)): expected \(describeType(type)), got null"
        case let .dataCorrupted(ctx):
            return "\(path(ctx.codingPath)): \(ctx.debugDescription.prefix(200))"
        @unknown default:
            return "invalid body"
        }
    }

    static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt8.Type, is UInt16.Type, is UInt32.Type, is UInt64.Type: "an integer in range"
        case is Double.Type, is Float.Type: "a number"
        default: "a value of type \(type)"
        }
    }
}

/// `limit` and `offset` of a list request (contract: default limit 100, max 1000).
struct ListQuery: Sendable {
    var limit: Int
    var offset: Int

    init(_ request: Request) throws {
        let q = request.uri.queryParameters
        limit = 100
        offset = 0
        if let text = q.get("limit") {
            guard let n = Int(text), (1...1000).contains(n) else { throw APIError.badRequest("invalid_parameter", "limit must be an integer 1…1000") }
            limit = n
        }
        if let text = q.get("offset") {
            guard let n = Int(text), n >= 0, n <= Int(Int32.max) else { throw APIError.badRequest("invalid_parameter", "offset must be a non-negative integer") }
            offset = n
        }
    }

    /// Pages an array in memory (for the short lists: applications, profiles, gateways, keys).
    func page<T: Sendable>(_ all: [T]) -> ListBody<T> {
        let start = min(offset, all.count)
        let end = min(start + limit, all.count)
        return ListBody(items: Array(all[start..<end]), total: all.count, limit: limit, offset: offset)
    }
}

/// A list answer: `{"items": [...], "total": N, "limit": L, "offset": O}`.
struct ListBody<T: Sendable>: Sendable {
    var items: [T]
    var total: Int
    var limit: Int
    var offset: Int

    func map<U>(_ transform: (T) throws -> U) rethrows -> ListBody<U> {
        ListBody<U>(items: try items.map(transform), total: total, limit: limit, offset: offset)
    }
}

extension ListBody: Encodable where T: Encodable {}
extension ListBody: ResponseGenerator where T: Encodable {}
extension ListBody: ResponseEncodable where T: Encodable {}
