/// Maps a request under `/ui/vendor/` to a file of a Debian `libjs-*` package, refusing anything
/// that could leave the library's folder.
///
/// `/ui/vendor/chart.js/chart.min.js` → `/usr/share/javascript/chart.js/chart.min.js`. Each segment
/// must be 1–100 characters of `A–Z a–z 0–9 . _ - +`, must not start with `.` (so no `..`, no
/// hidden files), at most 8 segments, and the first names a served library.
enum VendorPath {
    static let maxSegments = 8

    /// - Returns: the absolute file path.
    /// - Throws: ``DashboardError/invalidPath(_:)`` or ``DashboardError/libraryNotServed(_:)``.
    static func resolve(_ segments: [Substring], configuration: DashboardConfiguration) throws(DashboardError) -> String {
        let shown = segments.joined(separator: "/").prefix(200).description
        guard segments.count >= 2, segments.count <= maxSegments else { throw .invalidPath(shown) }
        for s in segments {
            guard !s.isEmpty, s.utf8.count <= 100, s.first != ".",
                  s.utf8.allSatisfy({ isAllowed($0) }) else { throw .invalidPath(shown) }
        }
        let library = String(segments[0])
        guard configuration.vendorLibraries.contains(library) else { throw .libraryNotServed(library) }
        var root = configuration.vendorDirectory
        while root.hasSuffix("/") && root.count > 1 { root.removeLast() }
        return root + "/" + segments.joined(separator: "/")
    }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"):
            return true
        default:
            return false
        }
    }
}
