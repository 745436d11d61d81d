public import Hummingbird
import Foundation
import Registry
import NetworkServer

/// An API error with a stable code: `{"error": {"code": "device_not_found", "message": "…"}}`.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? JSONEncoder().encode(["error": ["code": code, "message": message]])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Maps domain errors to HTTP (domain modules know nothing of HTTP; STYLE.md §5).
    static func from(_ error: any Error) -> any Error {
        switch error {
        case let e as APIError: return e
        case let e as HTTPError: return e
        case let e as RegistryError:
            switch e {
            case .notFound: return APIError(.notFound, code: e.code, message: e.description)
            case .alreadyExists: return APIError(.conflict, code: e.code, message: e.description)
            case .invalidReference, .invalidValue: return APIError(.badRequest, code: e.code, message: e.description)
            case .corruptRecord, .storage: return APIError(.internalServerError, code: e.code, message: e.description)
            }
        case let e as NetworkServerError:
            switch e {
            case .deviceNotFound, .noSession: return APIError(.notFound, code: e.code, message: e.description)
            default: return APIError(.badRequest, code: e.code, message: e.description)
            }
        case let e as DecodingError:
            return APIError(.badRequest, code: "invalid_body", message: "request body: \(e)".prefix(300).description)
        default:
            return APIError(.badRequest, code: "invalid_request", message: "\(error)".prefix(300).description)
        }
    }
}
