/// Why a dashboard path cannot be served. Mapped to 400/404 by the routes.
public enum DashboardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path has an empty, hidden (`.`-prefixed) or non-portable segment, or too many of them.
    case invalidPath(String)
    /// The path names a library that is not in ``DashboardConfiguration/vendorLibraries``.
    case libraryNotServed(String)
    /// No such embedded page or vendor file.
    case notFound(String)

    /// A stable snake_case code for the JSON error body.
    public var code: String {
        switch self {
        case .invalidPath: "invalid_path"
        case .libraryNotServed: "library_not_served"
        case .notFound: "not_found"
        }
    }

    public var description: String {
        switch self {
        case let .invalidPath(p): "invalid dashboard path: \(p)"
        case let .libraryNotServed(l): "vendor library \(l) is not served (only chart.js and codemirror)"
        case let .notFound(p): "no dashboard file \(p)"
        }
    }
}
