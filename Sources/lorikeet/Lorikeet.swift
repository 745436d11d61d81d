import ArgumentParser

/// The `lorikeet` command line: argument parsing only; the work happens in the modules.
@main
struct Lorikeet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lorikeet",
        abstract: "A self-hosted LoRaWAN network server and telemetry analytics backend.",
        version: "0.1.0",
        subcommands: [
            FrameCommand.self,
            BrokerCommand.self,
            BenchCommand.self,
        ]
    )
}
