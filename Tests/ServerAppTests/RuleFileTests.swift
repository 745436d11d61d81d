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

    @Test("RuleCatalog: edits are validated, saved and running at once; another process's edit is reloaded")
    func catalogEditsAndReload() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let catalog = try RuleCatalog(dataDirectory: dir)
        let copy = RuleDefinition(name: "copy", sql: "SELECT v FROM 'in/+'", actions: [])
        try catalog.create(copy)
        #expect(throws: RuleCatalogError.alreadyExists("copy")) { try catalog.create(copy) }
        #expect(throws: RulesError.self) { try catalog.create(RuleDefinition(name: "bad", sql: "SELECT FROM", actions: [])) }
        #expect(catalog.enabled.map(\.definition.name) == ["copy"])
        #expect(try catalog.setEnabled(name: "copy", false).enabled == false)
        #expect(catalog.enabled.isEmpty)
        #expect(try RuleFile(dataDirectory: dir).load().first?.enabled == false)   // persisted
        #expect(throws: RuleCatalogError.notFound("ghost")) { try catalog.setEnabled(name: "ghost", true) }
        #expect(throws: RuleCatalogError.nameMismatch(path: "copy", body: "other")) {
            try catalog.replace(name: "copy", with: RuleDefinition(name: "other", sql: "SELECT 1 FROM 'a'", actions: []))
        }
        #expect(try !catalog.reloadIfChanged())   // its own save is not a change

        // Another process (the CLI) edits the file: noticed, and what it wrote runs.
        let other = try RuleCatalog(dataDirectory: dir)
        try other.setEnabled(name: "copy", true)
        try other.create(RuleDefinition(name: "cli", sql: "SELECT * FROM 'x'", actions: []))
        #expect(try catalog.reloadIfChanged())
        #expect(catalog.enabled.map(\.definition.name) == ["copy", "cli"])
        // A broken file keeps the running rules.
        try Data("[{".utf8).write(to: URL(fileURLWithPath: RuleFile(dataDirectory: dir).path))
        #expect(throws: ServerAppError.self) { try catalog.reloadIfChanged() }
        #expect(catalog.enabled.count == 2)
        try catalog.delete(name: "cli")   // an edit starts from the running set when the file is unreadable
        #expect(try RuleFile(dataDirectory: dir).load().map(\.name) == ["copy"])
    }
}
