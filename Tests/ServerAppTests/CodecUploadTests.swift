import Foundation
import PayloadCodecs
import Testing
@testable import ServerApp

@Suite struct CodecUploadTests {
    private func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-upload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func uploadedScriptDecodesThroughTheServersCodecService() async throws {
        let dataDir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let script = dataDir + "/t.js"
        try Data("function decodeUplink(input) { return { data: { t: input.bytes[0] / 2 } }; }".utf8).write(to: URL(fileURLWithPath: script))
        let name = try CodecUploads.upload(sourcePath: script, name: "half-t", dataDirectory: dataDir)
        #expect(name == "script:half-t")
        let service = CodecService(directory: nil, uploadsDirectory: CodecUploads.directory(dataDirectory: dataDir))
        let decoded = try await service.decode(codec: name, bytes: [42], fPort: 1, time: Date())
        #expect(decoded.data == ["t": .number(21)])
    }

    @Test(arguments: ["", "../x", "a/b", ".hidden", "x..y", String(repeating: "a", count: 65), "sp ace"])
    func badNamesAreRefused(_ name: String) throws {
        #expect(throws: CodecError.self) { try CodecService.uploadedScriptPath(name: name, in: "/tmp") }
    }

    @Test func aScriptThatDoesNotLoadIsNotStored() throws {
        let dataDir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let script = dataDir + "/bad.js"
        try Data("function decodeUplink(input) { return {".utf8).write(to: URL(fileURLWithPath: script))
        #expect(throws: CodecError.self) { try CodecUploads.upload(sourcePath: script, name: "bad", dataDirectory: dataDir) }
        #expect(!FileManager.default.fileExists(atPath: CodecUploads.directory(dataDirectory: dataDir) + "/bad.js"))
    }

    @Test func aMissingUploadIsAClearError() async throws {
        let service = CodecService(directory: nil, uploadsDirectory: "/nonexistent-lorikeet")
        await #expect(throws: CodecError.self) { try await service.decode(codec: "script:nothing", bytes: [1], fPort: 1, time: Date()) }
    }
}
