import Foundation

/// The dashboard's own files (HTML, CSS, ES modules in `Sources/Dashboard/Web/`), compiled into the
/// binary with SwiftPM's `embedInCode`, so a copied release binary serves them with no folder beside it.
///
/// The application pages share one shell, `page.html` (head, header and main; the page's ES module
/// fills them), rendered once per entry of ``pages``; the log-in page has its own markup. Every
/// other file in `Web/` must be listed in ``staticFiles``: `DashboardTests` fails when one is missing.
enum DashboardAssets {
    /// An application page: its file name, its title (HTML text) and its ES module.
    struct Page {
        let file: String
        let title: String
        let script: String
    }

    static let pages: [Page] = [
        Page(file: "index.html", title: "Overview", script: "overview.js"),
        Page(file: "devices.html", title: "Devices", script: "devices.js"),
        Page(file: "device.html", title: "Device", script: "device.js"),
        Page(file: "gateways.html", title: "Gateways", script: "gateways.js"),
        Page(file: "live.html", title: "Live frames", script: "live.js"),
        Page(file: "query.html", title: "Query", script: "query.js"),
        Page(file: "alerts.html", title: "Rules &amp; alerts", script: "alerts.js"),
    ]

    /// The shell with its `{{title}}` and `{{script}}` filled in.
    static func render(_ page: Page) -> [UInt8] {
        let shell = String(decoding: PackageResources.page_html, as: UTF8.self)
        return Array(shell.replacingOccurrences(of: "{{title}}", with: page.title)
            .replacingOccurrences(of: "{{script}}", with: page.script).utf8)
    }

    /// The files served as they are in `Web/` (everything but the page shell).
    static let staticFiles: [String: [UInt8]] = [
        "login.html": PackageResources.login_html,
        "style.css": PackageResources.style_css,
        "api.js": PackageResources.api_js,
        "ui.js": PackageResources.ui_js,
        "charts.js": PackageResources.charts_js,
        "stream.js": PackageResources.stream_js,
        "login.js": PackageResources.login_js,
        "overview.js": PackageResources.overview_js,
        "devices.js": PackageResources.devices_js,
        "device.js": PackageResources.device_js,
        "gateways.js": PackageResources.gateways_js,
        "live.js": PackageResources.live_js,
        "query.js": PackageResources.query_js,
        "alerts.js": PackageResources.alerts_js,
        "editors.js": PackageResources.editors_js,
        "codeeditor.js": PackageResources.codeeditor_js,
        "favicon.svg": PackageResources.favicon_svg,
    ]

    /// File name → contents, as served under `/ui/`.
    static let files: [String: [UInt8]] = {
        var files = staticFiles
        for page in pages { files[page.file] = render(page) }
        return files
    }()

    /// The content type for a file name, by extension (`application/octet-stream` when unknown).
    static func contentType(for name: String) -> String {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "html": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "json": return "application/json"
        case "png": return "image/png"
        case "map": return "application/json"
        default: return "application/octet-stream"
        }
    }
}
