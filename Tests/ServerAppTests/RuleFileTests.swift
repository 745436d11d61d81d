import Foundation
import Rules
@testable import ServerApp
import Testing

@Suite("RuleFile: the rules serve runs, persisted in <data-dir>/rules.json")
struct RuleFileTests {
    func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("no file means no rules; saved definitions load back unchanged")
    func roundTrip() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = RuleFile(dataDirectory: dir)
        #expect(try file.load().isEmpty)
        let rule = RuleDefinition(name: "warm", sql: "SELECT t FROM 'a/+' WHERE t > 1",
                                  actions: [.republish(.init(topic: try SubstitutionTemplate("b/${topic(2)}")))])
        try file.save([rule])
        #expect(try file.load() == [rule])
    }

    @Test("an invalid rule, duplicate names or a corrupt file are refused with a reason")
    func refusals() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = RuleFile(dataDirectory: dir)
        #expect(throws: RulesError.self) { try file.save([RuleDefinition(name: "bad", sql: "SELECT FROM", actions: [])]) }
        let ok = RuleDefinition(name: "ok", sql: "SELECT * FROM 'a'", actions: [])
        #expect(throws: ServerAppError.invalidConfiguration("rule names must be unique")) { try file.save([ok, ok]) }
        try Data("[{\"name\": 1}]".utf8).write(to: URL(fileURLWithPath: file.path))
        #expect(throws: ServerAppError.self) { try file.load() }
    }
}
