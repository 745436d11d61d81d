import Foundation
import Testing
@testable import RegionalParameters

/// Reads the repository's `Regions/` directory (found through #filePath) for tests; the module
/// itself never touches the disk.
enum RegionFiles {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // RegionalParametersTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("Regions")

    static func all() throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func plan(_ id: String) throws -> ChannelPlan {
        try ChannelPlan.load(from: bytes("\(id).json"), fileName: "\(id).json")
    }

    /// The file `name` as a mutable JSON object, for tests that break or edit one field.
    static func object(_ name: String) throws -> [String: Any] {
        let any = try JSONSerialization.jsonObject(with: Data(try bytes(name)))
        return any as? [String: Any] ?? [:]
    }

    static func encode(_ object: [String: Any]) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: object))
    }
}

/// The `RegionalParametersError` thrown by `body`, or nil when it throws nothing.
/// Any other error type fails the current test.
func thrownError(_ body: () throws -> Void) -> RegionalParametersError? {
    do {
        try body()
        return nil
    } catch let error as RegionalParametersError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}
