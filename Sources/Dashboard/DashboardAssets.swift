import Foundation

/// The dashboard's own files (HTML, CSS, ES modules in `Sources/Dashboard/Web/`), compiled into the
/// binary with SwiftPM's `embedInCode`, so a copied release binary serves them with no folder beside it.
///
/// Every file in `Web/` must be listed in ``files``: `DashboardTests` fails when one is missing.
enum DashboardAssets {
    /// File name → contents. Names are flat (SwiftPM names the embedded arrays after the file name).
    static let files: [String: [UInt8]] = [
        "index.html": PackageResources.index_html,
        "login.html": PackageResources.login_html,
        "devices.html": PackageResources.devices_html,
        "device.html": PackageResources.device_html,
        "gateways.html": PackageResources.gateways_html,
        "live.html": PackageResources.live_html,
        "query.html": PackageResources.query_html,
        "alerts.html": PackageResources.alerts_html,
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
