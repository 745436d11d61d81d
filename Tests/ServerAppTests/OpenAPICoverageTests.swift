import Foundation
import HTTPAPI
import Hummingbird
import Logging
@testable import ServerApp
import Testing
import TestSupport

@Suite("OpenAPI covers the server's routes")
struct OpenAPICoverageTests {
    /// Every route registered on the server's router (all areas) is described in the merged
    /// OpenAPI document, and the document describes no route that does not exist.
    @Test func everyRegisteredRouteIsDocumented() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-openapi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = ServerConfiguration(dataDir: dir.path, regionsDir: RegionFiles.directory.path)
        var logger = Logger(label: "openapi")
        logger.logLevel = .warning
        let app = try await ServerApp(configuration: config, logger: logger)
        let registered = Set(app.makeRouter().routes.map { route -> String in
            // Hummingbird writes parameters as `:name`; OpenAPI as `{name}`. A recursive wildcard
            // `**` (the dashboard's /ui/vendor/**) is documented as one `{path}` spanning segments.
            let path = route.path.description.split(separator: "/", omittingEmptySubsequences: true).map { part in
                part == "**" ? "{path}" : part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }
            return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
        })
        let documented = try OpenAPIDocument.merged().operations
        #expect(registered.subtracting(documented).sorted() == [], "routes missing from Sources/HTTPAPI/OpenAPI/*.json")
        #expect(documented.subtracting(registered).sorted() == [], "documented operations with no route")
        #expect(registered.count > 30)
    }
}
