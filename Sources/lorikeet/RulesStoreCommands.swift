import ArgumentParser
import Foundation
import Rules
import ServerApp

/// `lorikeet rules add --data-dir DIR (--file RULE.json | --json '{…}')`: adds or replaces (same
/// name) a rule definition in `<data-dir>/rules.json`; a running `serve` picks it up within a second.
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
        try RuleCatalog(dataDirectory: dataDir).upsert(definition)
        print("rule \(definition.name) saved")
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
        do { try RuleCatalog(dataDirectory: dataDir).delete(name: name) } catch let e as RuleCatalogError {
            throw ValidationError(e.description)
        }
        print("rule \(name) removed")
    }
}

/// `lorikeet rules enable --data-dir DIR NAME`
struct RulesEnableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a persisted rule (a running serve applies it within a second).")
    @Option(name: .customLong("data-dir")) var dataDir = "./lorikeet-data"
    @Argument(help: "The rule name.") var name: String

    func run() throws {
        do { try RuleCatalog(dataDirectory: dataDir).setEnabled(name: name, true) } catch let e as RuleCatalogError {
            throw ValidationError(e.description)
        }
        print("rule \(name) enabled")
    }
}

/// `lorikeet rules disable --data-dir DIR NAME`
struct RulesDisableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a persisted rule (kept, not evaluated).")
    @Option(name: .customLong("data-dir")) var dataDir = "./lorikeet-data"
    @Argument(help: "The rule name.") var name: String

    func run() throws {
        do { try RuleCatalog(dataDirectory: dataDir).setEnabled(name: name, false) } catch let e as RuleCatalogError {
            throw ValidationError(e.description)
        }
        print("rule \(name) disabled")
    }
}
