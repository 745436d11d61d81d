/// Where the dashboard finds what it does not embed.
public struct DashboardConfiguration: Codable, Sendable, Hashable {
    /// The folder Debian's `libjs-*` packages install into; served read-only at `/ui/vendor/`.
    public var vendorDirectory: String
    /// The top-level folders of `vendorDirectory` that may be served (one per vendored library).
    public var vendorLibraries: [String]

    /// - Parameters:
    ///   - vendorDirectory: default `/usr/share/javascript` (libjs-chart.js, libjs-codemirror).
    ///   - vendorLibraries: default `chart.js` and `codemirror`.
    public init(vendorDirectory: String = "/usr/share/javascript", vendorLibraries: [String] = ["chart.js", "codemirror"]) {
        self.vendorDirectory = vendorDirectory
        self.vendorLibraries = vendorLibraries
    }
}
