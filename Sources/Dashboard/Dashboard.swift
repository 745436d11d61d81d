import Foundation
public import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The web dashboard: static pages that call the HTTP API from the browser with the user's key.
///
/// ```
/// GET /                  302 → /ui/
/// GET /ui                302 → /ui/
/// GET /ui/               the overview page (index.html)
/// GET /ui/{file}         an embedded page, script or style sheet
/// GET /ui/vendor/{lib}/… a file of a Debian libjs-* package (chart.js, codemirror)
/// ```
///
/// The pages hold no data and need no key: every figure they show comes from `/api/…` calls made
/// with the key the user typed on the login page (kept in `sessionStorage`), so the API's roles
/// decide what each user sees. The routes do no authentication themselves (HELPERS.md contract).
public enum Dashboard {
    /// Content-Security-Policy of every page: scripts only from this origin (the pages use ES
    /// modules and no inline script), no framing, API calls only to this origin.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

    /// Adds the dashboard's routes to a router.
    ///
    /// - Parameters:
    ///   - router: the server's router (any request context).
    ///   - configuration: where the vendored browser libraries are.
    public static func addRoutes<Context: RequestContext>(to router: Router<Context>, configuration: DashboardConfiguration = .init()) {
        let vendor = VendorFiles(configuration: configuration)
        router.get("/") { _, _ in redirect("/ui/") }
        // The router treats `/ui` and `/ui/` alike; only `/ui/` makes the pages' relative links work.
        router.get("/ui") { request, _ in
            request.uri.path.hasSuffix("/") ? try asset("index.html") : redirect("/ui/")
        }
        router.get("/ui/:file") { _, context in
            try asset(try context.parameters.require("file"))
        }
        router.get("/ui/vendor/**") { _, context in
            try await vendor.response(for: context.parameters.getCatchAll())
        }
    }

    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .found, headers: headers)
    }

    /// An embedded file with the security headers, or a 404.
    static func asset(_ name: String) throws -> Response {
        guard let bytes = DashboardAssets.files[name] else { throw DashboardHTTPError(.notFound(name)) }
        var headers = HTTPFields()
        headers[.contentType] = DashboardAssets.contentType(for: name)
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A ``DashboardError`` as an HTTP answer: `{"error": "<code>", "message": "…"}`.
struct DashboardHTTPError: HTTPResponseError {
    let error: DashboardError
    init(_ error: DashboardError) { self.error = error }

    var status: HTTPResponse.Status {
        switch error {
        case .invalidPath: .badRequest
        case .libraryNotServed, .notFound: .notFound
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: String] = ["error": error.code, "message": error.description]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Reads vendor files off the event loop (NIO's thread pool) and keeps the ones found in memory:
/// they only change when Debian's package is upgraded, and the whole set is ~2 MB at most.
/// Files not found are not remembered, so installing the package later works without a restart.
final class VendorFiles: Sendable {
    let configuration: DashboardConfiguration
    let cache = NIOLockedValueBox<[String: ByteBuffer]>([:])

    init(configuration: DashboardConfiguration) { self.configuration = configuration }

    func response(for segments: [Substring]) async throws -> Response {
        let path: String
        do { path = try VendorPath.resolve(segments, configuration: configuration) } catch { throw DashboardHTTPError(error) }
        let buffer: ByteBuffer
        if let cached = cache.withLockedValue({ $0[path] }) {
            buffer = cached
        } else {
            let data: Data? = try await NIOThreadPool.singleton.runIfActive {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
                return FileManager.default.contents(atPath: path)
            }
            guard let data else {
                throw DashboardHTTPError(.notFound("vendor/" + segments.joined(separator: "/")))
            }
            buffer = ByteBuffer(bytes: data)
            cache.withLockedValue { $0[path] = buffer }
        }
        var headers = HTTPFields()
        headers[.contentType] = DashboardAssets.contentType(for: path)
        headers[.cacheControl] = "public, max-age=86400"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}
