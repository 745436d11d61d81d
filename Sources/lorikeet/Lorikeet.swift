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
            RegionsCommand.self,
            CodecCommand.self,
            RulesCommand.self,
            BenchCommand.self,
            SimulateCommand.self,
            EventsCommand.self,
            ServeCommand.self,
            ApplicationCommand.self,
            DeviceProfileCommand.self,
            DeviceCommand.self,
            GatewayCommand.self,
            ImportCommand.self,
            QueryCommand.self,
            ExportCommand.self,
            RetentionCommand.self,
            BrokerCommand.self,
            APIKeyCommand.self, OpenAPICommand.self,
        ]
    )
}
