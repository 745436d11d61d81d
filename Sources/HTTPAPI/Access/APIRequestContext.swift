public import Hummingbird
public import Registry

/// The request context of every route: Hummingbird's core storage plus the API key that the
/// ``AccessMiddleware`` authenticated (nil on routes that need none, such as `/healthz`).
///
/// Route code of other areas stays generic over `RequestContext` and works with it unchanged.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated key (nil where no key is needed).
    public var apiKey: APIKey?
    /// The body limit the middleware applies (also used by `Request.decode`).
    public var maxUploadSize: Int

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        apiKey = nil
        maxUploadSize = HTTPAPIConfiguration.defaultMaxBodyBytes
    }

    /// The application an application key is scoped to; nil for admin and analyst keys.
    var scopedApplication: String? {
        guard let apiKey, apiKey.role == .application else { return nil }
        return apiKey.applicationID
    }
}

/// Settings of the HTTP API.
public struct HTTPAPIConfiguration: Codable, Sendable, Equatable {
    public static let defaultMaxBodyBytes = 1 << 20
    /// Largest request body accepted (413 above it); default 1 MiB.
    public var maxBodyBytes: Int

    public init(maxBodyBytes: Int = HTTPAPIConfiguration.defaultMaxBodyBytes) { self.maxBodyBytes = maxBodyBytes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? Self.defaultMaxBodyBytes
        guard maxBodyBytes >= 1024, maxBodyBytes <= 1 << 30 else {
            throw DecodingError.dataCorruptedError(forKey: .maxBodyBytes, in: c, debugDescription: "must be 1024…1073741824")
        }
    }
}
