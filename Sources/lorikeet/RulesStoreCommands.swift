import ArgumentParser
import Foundation
import Rules
import ServerApp

/// `lorikeet rules add --data-dir DIR (--file RULE.json | --json '{…}')`: adds or replaces (same
/// name) a rule definition in `<data-dir>/rules.json`; `serve` loads it at its next start.
struct RulesAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add or replace a persisted rule (docs/server.md).")
    @Option(name: .customLong("data-dir")) var dataDir = "./lorikeet-data"
    @Option(help: "A file with one RuleDefinition JSON object.") var file: String?
    @Option(help: "The RuleDefinition JSON itself.") var json: String?

    func run() throws {
        let data: Data
        if let file {
            guard let d = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            data = d
        } else if let json {
            data = Data(json.utf8)
        } else {
            throw ValidationError("give --file or --json")
        }
        let definition: RuleDefinition
        do { definition = try JSONDecoder().decode(RuleDefinition.self, from: data) } catch {
            throw ValidationError("not a rule definition: \(error)")
        }
        do { _ = try definition.compile() } catch { throw ValidationError("rule \(definition.name): \(error)") }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let store = RuleFile(dataDirectory: dataDir)
        var all = try store.load().filter { $0.name != definition.name }
        all.append(definition)
        try store.save(all)
        print("rule \(definition.name) saved (restart serve to apply)")
    }
}

/// `lorikeet rules list --data-dir DIR`
struct RulesListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List persisted rules.")
    @Option(name: .customLong("data-dir")) var dataDir = "./lorikeet-data"

    func run() throws {
        for d in try RuleFile(dataDirectory: dataDir).load() {
            print("\(d.name)\t\(d.enabled ? "enabled" : "disabled")\t\(d.sql)")
        }
    }
}

/// `lorikeet rules remove --data-dir DIR --name NAME`
struct RulesRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a persisted rule.")
    @Option(name: .customLong("data-dir")) var dataDir = "./lorikeet-data"
    @Option var name: String

    func run() throws {
        let store = RuleFile(dataDirectory: dataDir)
        let all = try store.load()
        guard all.contains(where: { $0.name == name }) else { throw ValidationError("no rule named \(name)") }
        try store.save(all.filter { $0.name != name })
        print("rule \(name) removed")
    }
}
