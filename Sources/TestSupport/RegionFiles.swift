public import Foundation
public import RegionalParameters

/// Loads `Regions/` from the source tree (tests find it through `#filePath`).
public enum RegionFiles {
    /// The repository's Regions directory.
    public static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Regions")
    }

    public static func catalog() throws -> RegionCatalog {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        let files = try names.map { name in (name: name, bytes: Array(try Data(contentsOf: directory.appendingPathComponent(name)))) }
        return try RegionCatalog(files: files)
    }
}
