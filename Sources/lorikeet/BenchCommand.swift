import ArgumentParser

/// `lorikeet bench …`: benchmarks that run their own baseline in the same run and print the figure,
/// the baseline and the ratio. Build with `swift build -c release` (or run `make bench`).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (use a release build); each prints its figure, its baseline and the ratio.",
        subcommands: [
            BenchLoRaWANCommand.self,
            CodecsBenchCommand.self,
            BenchRulesCommand.self,
            BenchNSCommand.self,
            BenchNSMemoryCommand.self,
            StoreBenchCommand.self,
            BrokerBenchCommand.self,
        ]
    )
}
