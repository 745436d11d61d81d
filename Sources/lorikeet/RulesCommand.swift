import ArgumentParser
import Foundation
import Rules
import RulesHashing

/// `lorikeet rules …`: work with AWS IoT-style rules.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Test AWS IoT-style rule SQL against messages; add, list and remove the rules serve runs.",
        subcommands: [RulesTestCommand.self, RulesAddCommand.self, RulesListCommand.self, RulesRemoveCommand.self,
                      RulesEnableCommand.self, RulesDisableCommand.self]
    )
}

/// `lorikeet rules test`: evaluate rule SQL for one message, or a JSON-lines batch on stdin.
struct RulesTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Print a rule's output JSON for a message, or null when it does not fire.",
        discussion: """
        Single: lorikeet rules test --sql "SELECT temp FROM 'a/+'" --topic a/b --payload '{"temp":21.5}'
        Batch:  JSON lines {"id","sql","topic","payload","payload_raw"?,"context"?:{"clientid"}} on stdin,
                one {"id","fired","output"[,"error"]} line out per line in, in order, flushed.
        See docs/rules.md.
        """
    )

    @Option(help: "The rule SQL: SELECT … FROM 'topic filter' [WHERE …].") var sql: String?
    @Option(help: "The topic the message was published on.") var topic: String?
    @Option(help: "The message payload (JSON; anything else is a binary payload).") var payload: String?
    @Option(help: "The MQTT client id seen by clientid().") var clientid: String?
    @Option(help: "The SQL version reported by sql_version().") var sqlVersion: String = Rule.defaultSQLVersion
    @Flag(help: "Read JSON lines from stdin and answer each.") var batch = false

    func validate() throws {
        if !batch && (sql == nil || topic == nil || payload == nil) {
            throw ValidationError("--sql, --topic and --payload are required (or use --batch)")
        }
    }

    func run() throws {
        if batch {
            while let line = readLine(strippingNewline: true) {
                if line.allSatisfy(\.isWhitespace) { continue }
                let answer = RuleTester.answer(line: line, timestamp: Self.now(), hashing: OpenSSLHashProvider())
                FileHandle.standardOutput.write(Data((answer + "\n").utf8))
            }
            return
        }
        guard let sql, let topic, let payload else { return }
        do {
            let result = try RuleTester.test(sql: sql, topic: topic, payloadText: payload, clientID: clientid,
                                             timestamp: Self.now(), sqlVersion: sqlVersion,
                                             hashing: OpenSSLHashProvider())
            print(result.outputJSON)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
