import ArgumentParser
import Foundation
import Registry
import ServerApp

/// `lorikeet api-key create|list|delete`: API keys for the HTTP API and MQTT.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api-key", abstract: "Manage API keys (HTTP API and MQTT logins).",
                                                    subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; prints its secret once (only its hash is stored).")
        @OptionGroup var options: DataDirOption
        @Option(help: "admin, application or analyst.") var role: String
        @Option(help: "The application an application key is scoped to.") var application: String?
        @Option(help: "A unique name (also usable as the MQTT user name).") var name: String
        func run() async throws {
            guard let role = APIKeyRole(rawValue: role) else { throw ValidationError("--role must be admin, application or analyst") }
            let (key, secret) = try await Management(dataDir: options.dataDir).registry
                .createAPIKey(name: name, role: role, applicationID: application, nowMillis: Int64(Date().timeIntervalSince1970 * 1000))
            print("id:     \(key.id)")
            print("name:   \(key.name)")
            print("role:   \(key.role.rawValue)\(key.applicationID.map { " (application \($0))" } ?? "")")
            print("secret: \(secret)")
            print("Keep the secret now: it is not stored and cannot be shown again.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys as JSON (never their secrets).")
        @OptionGroup var options: DataDirOption
        func run() async throws { try printRegistryJSON(try await Management(dataDir: options.dataDir).registry.apiKeys()) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key by id or name.")
        @OptionGroup var options: DataDirOption
        @Argument(help: "The key's id or name.") var key: String
        func run() async throws {
            let registry = try Management(dataDir: options.dataDir).registry
            guard let found = try await registry.apiKey(idOrName: key) else { throw ValidationError("no API key \(key)") }
            try await registry.deleteAPIKey(id: found.id)
            print("api key \(found.id) (\(found.name)) deleted")
        }
    }
}

/// `lorikeet openapi`: prints the OpenAPI 3.1 document (`lorikeet openapi > docs/openapi.json`).
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openapi", abstract: "Print the HTTP API's OpenAPI 3.1 document.")
    func run() throws {
        FileHandle.standardOutput.write(Data(try Management.openAPIDocument()))
    }
}
