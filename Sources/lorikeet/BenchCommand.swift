import ArgumentParser

/// `lorikeet bench …`: release-build benchmarks, each against a baseline run in the same process.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (build with `swift build -c release`).",
        subcommands: [BrokerBenchCommand.self]
    )
}
