import ArgumentParser
import Foundation
import LoRaWAN
import RegionalParameters

/// `lorikeet regions …`: validate and inspect the channel plans in a Regions/ directory.
struct RegionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regions",
        abstract: "Validate and inspect LoRaWAN channel plans (Regions/).",
        subcommands: [Check.self, Show.self]
    )

    struct Options: ParsableArguments {
        @Option(name: .long, help: "The Regions directory (plans.json and one JSON file per plan).")
        var dir: String = "Regions"
    }

    /// Reads every regular file of `directory`; the module itself does no I/O.
    static func loadCatalog(_ directory: String) throws -> RegionCatalog {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        } catch {
            throw ValidationError("cannot read directory \(directory)")
        }
        var files: [(name: String, bytes: [UInt8])] = []
        for name in names where name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(name).path) else {
                throw ValidationError("cannot read \(name)")
            }
            files.append((name, [UInt8](data)))
        }
        return try RegionCatalog(files: files)
    }

    static func fail(_ error: any Error) -> ExitCode {
        FileHandle.standardError.write(Data("lorikeet: \(error)\n".utf8))
        return ExitCode.failure
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every plan; print one line per plan, or the first error (file and field) and exit 1.")
        @OptionGroup var options: Options

        func run() throws {
            do {
                let catalog = try RegionsCommand.loadCatalog(options.dir)
                for plan in catalog.plans {
                    let channelCount = plan.uplinkChannels.count + plan.extraChannels.count
                    print("\(plan.id): \(plan.name), \(plan.kind.rawValue), \(channelCount) uplink channel(s), \(plan.enabledUplinkChannels.count) enabled, "
                        + "\(plan.dataRates.count) data rates, RX2 \(plan.rx2.frequency) Hz DR\(plan.rx2.dataRate)")
                }
                print("\(catalog.plans.count) plans valid")
            } catch {
                throw RegionsCommand.fail(error)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one plan's tables.")
        @OptionGroup var options: Options
        @Argument(help: "Plan id, e.g. EU868 or AS923-2.") var id: String

        func run() throws {
            let plan: ChannelPlan
            do {
                let catalog = try RegionsCommand.loadCatalog(options.dir)
                guard let found = catalog.plan(id: id) else {
                    throw ValidationError("no plan \"\(id)\" (have: \(catalog.ids.joined(separator: ", ")))")
                }
                plan = found
            } catch {
                throw RegionsCommand.fail(error)
            }
            print("\(plan.id) — \(plan.name) (\(plan.specification))")
            print("data rates:")
            for dataRate in plan.dataRates {
                let size = (try? plan.maxPayloadSize(dataRate: dataRate.index)).flatMap { $0 }
                let direction = [dataRate.uplink ? "up" : nil, dataRate.downlink ? "down" : nil].compactMap { $0 }.joined(separator: "/")
                let sizeText = size.map { "M \($0.m) N \($0.n)" } ?? "payload not defined"
                print("  DR\(dataRate.index): \(describe(dataRate.modulation)) [\(direction)] \(sizeText)")
            }
            print("uplink channels: \(plan.uplinkChannels.count), first \(plan.uplinkChannels.first.map { "\($0.frequency) Hz" } ?? "-")")
            print("RX2: \(plan.rx2.frequency) Hz DR\(plan.rx2.dataRate); RX1 delay \(plan.receiveDelay1) ms; join-accept delays \(plan.joinAcceptDelay1)/\(plan.joinAcceptDelay2) ms")
            print("max EIRP \(plan.maxEIRP) dBm; TXPower 0…\(plan.txPowerOffsets.count - 1); CFList type \(plan.cfListType.rawValue)")
            print("beacon \(plan.beacon.frequency) Hz DR\(plan.beacon.dataRate)\(plan.beacon.hops ? " (hopping over \(plan.beacon.count))" : ""); ping slot \(plan.pingSlot.frequency) Hz DR\(plan.pingSlot.dataRate)")
        }

        func describe(_ modulation: Modulation) -> String {
            switch modulation {
            case let .lora(sf, bandwidth, _): return "LoRa SF\(sf) \(bandwidth / 1000) kHz"
            case let .fsk(bitrate, _): return "FSK \(bitrate / 1000) kbit/s"
            case let .lrFHSS(codingRate, width, _): return "LR-FHSS CR \(codingRate) OCW \(width / 1000) kHz"
            }
        }
    }
}
