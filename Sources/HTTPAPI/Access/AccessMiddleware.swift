import Foundation
public import Hummingbird
import LoRaWAN
import Logging
public import Registry

/// The one middleware in front of every route (added to the router before any route):
/// authenticates `Authorization: Bearer <key>` on `/api/…` and `/metrics`, applies the
/// ``AccessPolicy``, rejects bodies larger than the configured maximum (413), and answers every
/// error in the contract's shape `{"error": code, "message": text}`.
///
/// Keys: the data directory's `admin.key` (compared in constant time) or a registry key (looked
/// up by the SHA-256 of the secret). Keys are never logged.
public struct AccessMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext

    let adminSecret: [UInt8]
    let registry: any AdministrationStore
    let maxBodyBytes: Int

    public init(adminKey: String, registry: any AdministrationStore, configuration: HTTPAPIConfiguration = .init()) {
        adminSecret = Array(adminKey.utf8)
        self.registry = registry
        maxBodyBytes = configuration.maxBodyBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var context = context
            context.maxUploadSize = maxBodyBytes
            if let length = request.headers[.contentLength], let n = Int(length), n > maxBodyBytes {
                throw APIError(.contentTooLarge, code: "payload_too_large", message: "request body of \(n) bytes is over the limit of \(maxBodyBytes)")
            }
            let path = request.uri.path
            guard AccessPolicy.needsKey(path: path) else { return try await next(request, context) }
            let key = try await authenticate(request)
            context.apiKey = key
            let decision = AccessPolicy.decide(key, method: request.method, path: path,
                                               applicationIdParameter: request.uri.queryParameters.get("applicationId"))
            switch decision {
            case .allow: break
            case let .deny(reason): throw APIError(.forbidden, code: "forbidden", message: reason)
            case let .allowIfDeviceInApplication(eui):
                if let device = try await registry.device(devEUI: eui), device.applicationID != key.applicationID {
                    // Not 403: a key of another application does not learn that the device exists.
                    throw APIError.notFound("device", eui.description)
                }
            }
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError.fromHTTP(error)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            let mapped = APIError.from(error)
            if mapped.status == .internalServerError {
                context.logger.error("request failed", metadata: ["http.path": "\(request.uri.path)", "error.type": "\(type(of: error))"])
            }
            throw mapped
        }
    }

    func authenticate(_ request: Request) async throws -> APIKey {
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, code: "unauthorized", message: "missing API key: send Authorization: Bearer <key> (the admin key is in <data-dir>/admin.key)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(.unauthorized, code: "unauthorized", message: "the Authorization header must be Bearer <key>")
        }
        let secret = parts[1].trimmingCharacters(in: .whitespaces)
        if APIKey.constantTimeEqual(Array(secret.utf8), adminSecret) { return APIKey.dataDirectoryAdmin() }
        guard !secret.isEmpty, secret.utf8.count <= 256, let key = try await registry.apiKey(secret: secret) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "invalid API key")
        }
        return key
    }
}
