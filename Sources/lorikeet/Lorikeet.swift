public import ArgumentParser
public import Logging

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

/// `--log-level` takes swift-log's level names; anything else is refused with the list of valid
/// ones (it used to fall back to `info` silently).
extension Logger.Level: @retroactive ExpressibleByArgument {}
