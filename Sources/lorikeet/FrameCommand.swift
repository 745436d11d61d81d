import ArgumentParser

/// `lorikeet frame …`: look inside LoRaWAN frames.
struct FrameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame",
        abstract: "Decode LoRaWAN frames and derive session keys.",
        subcommands: []
    )
}
