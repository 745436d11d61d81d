import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import Testing
@testable import Dashboard

/// The folder of the dashboard's source files (`Sources/Dashboard/Web`).
let webDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources/Dashboard/Web").path

@Suite struct DashboardAssetsTests {
    @Test func everyWebFileIsEmbeddedAndServedUnderItsName() throws {
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: webDirectory))
        #expect(onDisk == Set(DashboardAssets.staticFiles.keys).union(["page.html"]))
        for name in onDisk where name != "page.html" {
            let bytes = try #require(FileManager.default.contents(atPath: webDirectory + "/" + name))
            #expect(DashboardAssets.files[name] == Array(bytes), "\(name) differs from the embedded copy")
        }
    }

    @Test func applicationPagesAreTheShellWithTheirTitleAndModule() throws {
        let shell = try #require(FileManager.default.contents(atPath: webDirectory + "/page.html"))
        #expect(String(decoding: shell, as: UTF8.self).contains("{{title}}"))
        for page in DashboardAssets.pages {
            let html = String(decoding: try #require(DashboardAssets.files[page.file]), as: UTF8.self)
            #expect(html.contains("<title>Lorikeet · \(page.title)</title>"))
            #expect(html.contains("<script type=\"module\" src=\"\(page.script)\"></script>"))
            #expect(!html.contains("{{"), "\(page.file) has an unfilled placeholder")
            // Every page's module exists and is served.
            #expect(DashboardAssets.files[page.script] != nil, "\(page.file) loads a missing \(page.script)")
        }
        #expect(Set(DashboardAssets.pages.map(\.file)).count == DashboardAssets.pages.count)
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

/// Serves the dashboard routes on an ephemeral loopback port for the duration of `body`.
func withDashboard(vendor: String, _ body: (URL) async throws -> Void) async throws {
    let router = Router()
    Dashboard.addRoutes(to: router, configuration: DashboardConfiguration(vendorDirectory: vendor))
    let port = PortBox()
    var logger = Logger(label: "dashboard-tests")
    logger.logLevel = .critical  // cancelling the server at the end logs errors that are not ours
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { channel in port.set(channel.localAddress?.port ?? 0) }, logger: logger)
    let task = Task { try await app.runService() }
    defer { task.cancel() }
    let bound = await port.wait()
    try await body(try #require(URL(string: "http://127.0.0.1:\(bound)")))
}

/// The bound port, once the server runs (waiters resume when it is set: no polling).
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func set(_ p: Int) {
        lock.lock()
        port = p
        let w = waiters
        waiters = []
        lock.unlock()
        for c in w { c.resume(returning: p) }
    }

    func wait() async -> Int {
        await withCheckedContinuation { c in enqueue(c) }
    }

    private func enqueue(_ c: CheckedContinuation<Int, Never>) {
        lock.lock()
        if let port { lock.unlock(); c.resume(returning: port) } else { waiters.append(c); lock.unlock() }
    }
}

/// Does not follow redirects, so the tests see the 302 itself.
final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)

struct Answer {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    var json: [String: String]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: String] }
}

func get(_ base: URL, _ path: String) async throws -> Answer {
    let url = try #require(URL(string: base.absoluteString + path))
    let (data, response) = try await session.data(for: URLRequest(url: url))
    let http = try #require(response as? HTTPURLResponse)
    var headers: [String: String] = [:]
    for (k, v) in http.allHeaderFields { headers["\(k)"] = "\(v)" }
    return Answer(status: http.statusCode, headers: headers, body: data)
}

@Suite struct DashboardRouteTests {
    /// A vendor folder with one chart.js file, as Debian's package lays it out.
    func vendorFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-dash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/chart.js", withIntermediateDirectories: true)
        try Data("window.Chart = function () {};".utf8).write(to: URL(fileURLWithPath: dir + "/chart.js/chart.min.js"))
        try FileManager.default.createDirectory(atPath: dir + "/codemirror/lib", withIntermediateDirectories: true)
        try Data("secret".utf8).write(to: URL(fileURLWithPath: dir + "/secret.txt"))
        return dir
    }

    @Test func rootAndUIWithoutSlashRedirectToTheOverview() async throws {
        try await withDashboard(vendor: try vendorFolder()) { base in
            for path in ["/", "/ui"] {
                let a = try await get(base, path)
                #expect(a.status == 302, "\(path)")
                #expect(a.header("Location") == "/ui/", "\(path)")
            }
        }
    }

    @Test func pagesComeWithTheirTypeAndSecurityHeaders() async throws {
        try await withDashboard(vendor: try vendorFolder()) { base in
            let index = try await get(base, "/ui/")
            #expect(index.status == 200)
            #expect(index.header("Content-Type") == "text/html; charset=utf-8")
            #expect(index.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
            #expect(index.header("X-Content-Type-Options") == "nosniff")
            #expect(index.text.contains("overview.js"))
            let script = try await get(base, "/ui/api.js")
            #expect(script.status == 200)
            #expect(script.header("Content-Type") == "text/javascript; charset=utf-8")
            #expect(Array(script.body) == DashboardAssets.files["api.js"])
        }
    }

    @Test func unknownPagesAre404WithAContractErrorBody() async throws {
        try await withDashboard(vendor: try vendorFolder()) { base in
            let a = try await get(base, "/ui/secret.html")
            #expect(a.status == 404)
            #expect(a.json?["error"] == "not_found")
            #expect(a.json?["message"]?.contains("secret.html") == true)
        }
    }

    @Test func vendorFilesAreServedFromTheVendorFolderOnly() async throws {
        try await withDashboard(vendor: try vendorFolder()) { base in
            let chart = try await get(base, "/ui/vendor/chart.js/chart.min.js")
            #expect(chart.status == 200)
            #expect(chart.header("Content-Type") == "text/javascript; charset=utf-8")
            #expect(chart.text == "window.Chart = function () {};")
            // Missing file (package not installed): 404, so the page falls back and says what to install.
            #expect(try await get(base, "/ui/vendor/codemirror/lib/codemirror.js").status == 404)
            // A directory is not a file.
            #expect(try await get(base, "/ui/vendor/codemirror/lib").status == 404)
            let other = try await get(base, "/ui/vendor/jquery/jquery.js")
            #expect(other.status == 404)
            #expect(other.json?["error"] == "library_not_served")
            for path in ["/ui/vendor/chart.js/%2e%2e/secret.txt", "/ui/vendor/chart.js/.%2e/secret.txt", "/ui/vendor/chart.js/..%2fsecret.txt"] {
                let a = try await get(base, path)
                #expect(a.status == 400, "\(path)")
                #expect(a.json?["error"] == "invalid_path", "\(path)")
                #expect(!a.text.contains("secret\""))
            }
        }
    }
}
