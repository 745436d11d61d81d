public import Hummingbird
import Foundation
import LoRaWAN
import NetworkServer
import Registry

/// An API error with a stable code, answered as `{"error": "device_not_found", "message": "…"}`.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// A stable snake_case code (`unauthorized`, `forbidden`, `unknown_field`, `device_not_found`, …).
    public var code: String
    /// What is wrong, for people. Never contains key material.
    public var message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: ["error": code, "message": message], options: [.sortedKeys])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code: code, message: message) }

    static func notFound(_ kind: String, _ id: String) -> APIError {
        APIError(.notFound, code: "\(kind)_not_found", message: "\(kind.replacingOccurrences(of: "_", with: " ")) \(id) not found")
    }

    /// Maps any error to the contract's shape. Domain modules know nothing of HTTP (STYLE.md §5):
    /// their errors are mapped here. Errors of unknown kinds are internal errors (500) whose
    /// message does not echo the error (it may hold details not meant for clients).
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as HTTPError: return fromHTTP(e)
        case let e as RegistryError:
            switch e {
            case .notFound: return APIError(.notFound, code: e.code, message: e.description)
            case .alreadyExists: return APIError(.conflict, code: e.code, message: e.description)
            case .invalidValue: return APIError(.badRequest, code: e.code, message: e.description)
            case .invalidReference: return APIError(.badRequest, code: e.code, message: e.description)
            case .corruptRecord, .storage: return APIError(.internalServerError, code: e.code, message: e.description)
            }
        case let e as NetworkServerError:
            switch e {
            case .deviceNotFound, .noSession: return APIError(.notFound, code: e.code, message: e.description)
            default: return APIError(.badRequest, code: e.code, message: e.description)
            }
        case let e as LoRaWANError:
            return APIError(.badRequest, code: "invalid_value", message: e.description)
        default:
            return APIError(.internalServerError, code: "internal_error", message: "internal error")
        }
    }

    /// Hummingbird's own errors (no route, body too large, …) in the contract's shape.
    static func fromHTTP(_ e: HTTPError) -> APIError {
        let code: String = switch e.status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 500: "internal_error"
        default: e.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
        }
        let message: String
        if let body = e.body, !body.isEmpty { message = body } else if e.status.code == 404 {
            message = "no such route"
        } else if e.status.code == 413 {
            message = "request body too large"
        } else {
            message = e.status.reasonPhrase
        }
        return APIError(e.status, code: code, message: message)
    }
}
