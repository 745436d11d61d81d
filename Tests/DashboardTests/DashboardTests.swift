import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Dashboard

/// The folder of the dashboard's source files (`Sources/Dashboard/Web`).
let webDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources/Dashboard/Web").path

@Suite struct DashboardAssetsTests {
    @Test func everyWebFileIsEmbeddedAndServedUnderItsName() throws {
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: webDirectory))
        #expect(onDisk == Set(DashboardAssets.files.keys))
        for name in onDisk {
            let bytes = try #require(FileManager.default.contents(atPath: webDirectory + "/" + name))
            #expect(DashboardAssets.files[name] == Array(bytes), "\(name) differs from the embedded copy")
        }
    }

    /// The pages render data with textContent only: no HTML parsing of strings anywhere, no inline
    /// script (the CSP forbids it) and every page is an ES module.
    @Test func scriptsNeverParseHTMLAndPagesUseModules() throws {
        for (name, bytes) in DashboardAssets.files {
            let text = String(decoding: bytes, as: UTF8.self)
            if name.hasSuffix(".js") {
                for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                    #expect(!text.contains(forbidden), "\(name) uses \(forbidden)")
                }
            }
            if name.hasSuffix(".html") {
                #expect(text.contains("<script type=\"module\" src=\""), "\(name) has no module script")
                #expect(!text.contains("<script>"), "\(name) has an inline script")
                #expect(!text.contains(/\son[a-z]+\s*=/), "\(name) has an inline event handler") // onclick=, onload=, …
            }
        }
    }

    @Test(arguments: [("index.html", "text/html; charset=utf-8"), ("api.js", "text/javascript; charset=utf-8"),
                      ("style.css", "text/css; charset=utf-8"), ("favicon.svg", "image/svg+xml"), ("x.bin", "application/octet-stream"),
                      ("noextension", "application/octet-stream")])
    func contentTypes(name: String, type: String) {
        #expect(DashboardAssets.contentType(for: name) == type)
    }
}

@Suite struct VendorPathTests {
    let configuration = DashboardConfiguration(vendorDirectory: "/usr/share/javascript/")

    @Test func resolvesAFileOfAServedLibrary() throws {
        #expect(try VendorPath.resolve(["chart.js", "chart.min.js"], configuration: configuration) == "/usr/share/javascript/chart.js/chart.min.js")
        #expect(try VendorPath.resolve(["codemirror", "mode", "sql", "sql.js"], configuration: configuration)
            == "/usr/share/javascript/codemirror/mode/sql/sql.js")
    }

    @Test(arguments: [["chart.js", ".."], ["chart.js", "..", "..", "etc", "passwd"], ["chart.js", ".hidden"], ["chart.js", "a%2e%2e"],
                      ["chart.js", ""], ["chart.js"], ["chart.js", "a b"], ["chart.js", "ok", "..x"], ["chart.js", "x\u{0}y"],
                      ["codemirror", "a", "b", "c", "d", "e", "f", "g", "h"], ["chart.js", String(repeating: "a", count: 101)]])
    func refusesPathsThatCouldLeaveTheLibrary(segments: [String]) {
        #expect(throws: DashboardError.self) { try VendorPath.resolve(segments.map { Substring($0) }, configuration: configuration) }
    }

    @Test func refusesLibrariesNotServed() {
        #expect(throws: DashboardError.libraryNotServed("jquery")) {
            try VendorPath.resolve(["jquery", "jquery.js"], configuration: configuration)
        }
    }
}

@Suite struct DashboardRouteTests {
    /// A vendor folder with one chart.js file, as Debian's package lays it out.
    func vendorFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-dash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/chart.js", withIntermediateDirectories: true)
        try Data("window.Chart = function () {};".utf8).write(to: URL(fileURLWithPath: dir + "/chart.js/chart.min.js"))
        try FileManager.default.createDirectory(atPath: dir + "/codemirror/lib", withIntermediateDirectories: true)
        return dir
    }

    func app(vendor: String) -> some ApplicationProtocol {
        let router = Router()
        Dashboard.addRoutes(to: router, configuration: DashboardConfiguration(vendorDirectory: vendor))
        return Application(router: router)
    }

    @Test func rootAndUIWithoutSlashRedirectToTheOverview() async throws {
        try await app(vendor: try vendorFolder()).test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/ui/")
            }
            try await client.execute(uri: "/ui", method: .get) { response in
                #expect(response.status == .found)
                #expect(response.headers[.location] == "/ui/")
            }
        }
    }

    @Test func pagesComeWithTheirTypeAndSecurityHeaders() async throws {
        try await app(vendor: try vendorFolder()).test(.router) { client in
            try await client.execute(uri: "/ui/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(String(buffer: response.body).contains("overview.js"))
            }
            try await client.execute(uri: "/ui/api.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(Array(response.body.readableBytesView) == DashboardAssets.files["api.js"])
            }
        }
    }

    @Test func unknownPagesAre404WithAContractErrorBody() async throws {
        try await app(vendor: try vendorFolder()).test(.router) { client in
            try await client.execute(uri: "/ui/secret.html", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: String]
                #expect(body?["error"] == "not_found")
                #expect(body?["message"]?.contains("secret.html") == true)
            }
        }
    }

    @Test func vendorFilesAreServedFromTheVendorFolderOnly() async throws {
        let vendor = try vendorFolder()
        try Data("secret".utf8).write(to: URL(fileURLWithPath: vendor + "/secret.txt"))
        try await app(vendor: vendor).test(.router) { client in
            try await client.execute(uri: "/ui/vendor/chart.js/chart.min.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
                #expect(String(buffer: response.body) == "window.Chart = function () {};")
            }
            // Missing file (package not installed): 404, so the page falls back and says what to install.
            try await client.execute(uri: "/ui/vendor/codemirror/lib/codemirror.js", method: .get) { response in
                #expect(response.status == .notFound)
            }
            // A directory is not a file.
            try await client.execute(uri: "/ui/vendor/codemirror/lib", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/ui/vendor/jquery/jquery.js", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: String]
                #expect(body?["error"] == "library_not_served")
            }
            for uri in ["/ui/vendor/chart.js/%2e%2e/secret.txt", "/ui/vendor/chart.js/.%2e/secret.txt"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(!String(buffer: response.body).contains("secret\""))
                }
            }
        }
    }
}
