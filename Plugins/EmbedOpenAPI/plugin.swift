import Foundation
import PackagePlugin

/// Embeds every `OpenAPI/*.json` fragment of the HTTPAPI target into a generated Swift file, so
/// the binary serves the merged document wherever it runs (no resource bundle to find at run
/// time, same in debug and release builds, and a new fragment is picked up by the next build).
@main
struct EmbedOpenAPI: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let directory = target.directoryURL.appendingPathComponent("OpenAPI")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let inputs = names.filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedOpenAPIFragments.swift")
        return [.buildCommand(displayName: "Embedding \(inputs.count) OpenAPI fragments",
                              executable: try context.tool(named: "EmbedOpenAPITool").url,
                              arguments: [output.path] + inputs.map(\.path),
                              inputFiles: inputs + [directory],
                              outputFiles: [output])]
    }
}
