import ArgumentParser
import Foundation
import HTTPAPI
import LoRaWAN
import Registry
import ServerApp

/// Options shared by the management commands.
struct DataDirOption: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The server's data directory.")
    var dataDir: String = "./lorikeet-data"
}

/// Parses a command-line value with a LoRaWAN parser, turning its error into a usage error.
func parseValue<T>(_ name: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw ValidationError("--\(name): \(error)") }
}

/// `lorikeet application add|list`.
struct ApplicationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "application", abstract: "Manage applications.",
                                                    subcommands: [Add.self, List.self])
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an application.")
        @OptionGroup var options: DataDirOption
        @Option(help: "Identifier (letters, digits, - and _).") var id: String
        @Option(help: "Display name.") var name: String?
        @Option(help: "Description.") var description: String = ""
        func run() async throws {
            try await Management(dataDir: options.dataDir).registry.createApplication(Application(id: id, name: name ?? id, description: description))
            print("application \(id) added")
        }
    }
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applications as JSON.")
        @OptionGroup var options: DataDirOption
        func run() async throws { try printRegistryJSON(try await Management(dataDir: options.dataDir).registry.applications()) }
    }
}

/// `lorikeet device-profile add|list`.
struct DeviceProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "device-profile", abstract: "Manage device profiles.",
                                                    subcommands: [Add.self, List.self])
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a device profile.")
        @OptionGroup var options: DataDirOption
        @Option var id: String
        @Option var name: String?
        @Option(help: "Channel plan id from Regions/ (EU868, US915, …).") var region: String = "EU868"
        @Option(name: .customLong("mac-version"), help: "1.0.0–1.0.4 or 1.1.") var macVersion: String = "1.0.3"
        @Option(name: .customLong("reg-params-revision")) var regParamsRevision: String = "RP002-1.0.3"
        @Flag(name: .customLong("class-c"), help: "Class C (always listening).") var classC = false
        @Flag(name: .customLong("no-adr"), help: "Disable ADR.") var noADR = false
        @Option(name: .customLong("rx1-delay")) var rx1Delay: Int = 1
        @Option(name: .customLong("rx1-dr-offset")) var rx1DROffset: Int = 0
        @Option(name: .customLong("rx2-dr")) var rx2DataRate: Int?
        @Option(name: .customLong("rx2-frequency")) var rx2Frequency: UInt32?
        @Option(help: "Payload codec name.") var codec: String?
        func run() async throws {
            let p = DeviceProfile(id: id, name: name ?? id, region: region, macVersion: macVersion, regParamsRevision: regParamsRevision,
                                  supportsClassC: classC, adrEnabled: !noADR, rx1Delay: rx1Delay, rx1DROffset: rx1DROffset,
                                  rx2DataRate: rx2DataRate, rx2Frequency: rx2Frequency, codec: codec)
            try await Management(dataDir: options.dataDir).registry.createDeviceProfile(p)
            print("device profile \(id) added")
        }
    }
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List device profiles as JSON.")
        @OptionGroup var options: DataDirOption
        func run() async throws { try printRegistryJSON(try await Management(dataDir: options.dataDir).registry.deviceProfiles()) }
    }
}

/// `lorikeet device add|list|import|enqueue`.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "device", abstract: "Manage devices.",
                                                    subcommands: [Add.self, List.self, Import.self, Enqueue.self])
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an OTAA device (--app-key) or an ABP device (--dev-addr with session keys).")
        @OptionGroup var options: DataDirOption
        @Option(name: .customLong("dev-eui")) var devEUI: String
        @Option(name: .customLong("join-eui")) var joinEUI: String = "0000000000000000"
        @Option var application: String
        @Option var profile: String
        @Option var name: String = ""
        @Option(name: .customLong("app-key")) var appKey: String?
        @Option(name: .customLong("nwk-key")) var nwkKey: String?
        @Option(name: .customLong("dev-addr")) var devAddr: String?
        @Option(name: .customLong("nwk-s-key")) var nwkSKey: String?
        @Option(name: .customLong("app-s-key")) var appSKey: String?
        func run() async throws {
            var abp: ABPSettings?
            if let devAddr {
                guard let nwkSKey, let appSKey else { throw ValidationError("ABP needs --nwk-s-key and --app-s-key") }
                abp = ABPSettings(devAddr: try parseValue("dev-addr") { try DevAddr(hex: devAddr) },
                                  keys: SessionKeys(nwkSKey: try parseValue("nwk-s-key") { try AES128Key(hex: nwkSKey) },
                                                    appSKey: try parseValue("app-s-key") { try AES128Key(hex: appSKey) }))
            }
            let device = Device(devEUI: try parseValue("dev-eui") { try EUI64(hex: devEUI) }, joinEUI: try parseValue("join-eui") { try EUI64(hex: joinEUI) },
                                name: name, applicationID: application, deviceProfileID: profile,
                                appKey: try appKey.map { k in try parseValue("app-key") { try AES128Key(hex: k) } },
                                nwkKey: try nwkKey.map { k in try parseValue("nwk-key") { try AES128Key(hex: k) } }, abp: abp)
            try await Management(dataDir: options.dataDir).registry.createDevice(device)
            print("device \(device.devEUI) added")
        }
    }
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices as JSON.")
        @OptionGroup var options: DataDirOption
        @Option var application: String?
        func run() async throws {
            // The same redacted view as the API: keys are write-only, here as there. Read as
            // summaries, page by page: no record is decoded and no key unwrapped to list it.
            let registry = try Management(dataDir: options.dataDir).registry
            var listed: [DeviceOutput] = []
            while true {
                let page = try await registry.deviceSummaries(applicationID: application, limit: 1000, offset: listed.count)
                listed += page.items.map(DeviceOutput.init)
                if page.items.isEmpty || listed.count >= page.total { break }
            }
            try printRegistryJSON(listed)
        }
    }
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bulk import devices from a CSV or JSON file.")
        @OptionGroup var options: DataDirOption
        @Argument(help: "FILE.csv (header: dev_eui,join_eui,app_key,nwk_key,name,application_id,device_profile_id[,dev_addr,nwk_s_key,app_s_key]) or FILE.json")
        var file: String
        func run() async throws {
            let n = try await Management(dataDir: options.dataDir).importDevices(path: file)
            print("\(n) devices imported")
        }
    }
    struct Enqueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a downlink; it goes out after the device's next uplink.")
        @OptionGroup var options: DataDirOption
        @Option(name: .customLong("dev-eui")) var devEUI: String
        @Option(name: .customLong("f-port")) var fPort: UInt8
        @Option(name: .customLong("data-hex")) var dataHex: String = ""
        @Flag var confirmed = false
        func run() async throws {
            guard (1...223).contains(fPort) else { throw ValidationError("--f-port must be 1–223") }
            let eui = try parseValue("dev-eui") { try EUI64(hex: devEUI) }
            let data = try parseValue("data-hex") { try [UInt8](hex: dataHex) }
            let id = try await Management(dataDir: options.dataDir).registry.enqueue(
                DownlinkQueueItem(devEUI: eui, fPort: fPort, data: data, confirmed: confirmed, createdAtMillis: Int64(Date().timeIntervalSince1970 * 1000)))
            print("queued as \(id)")
        }
    }
}

/// `lorikeet gateway add|list`.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway", abstract: "Manage gateways.", subcommands: [Add.self, List.self])
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a gateway.")
        @OptionGroup var options: DataDirOption
        @Option(name: .customLong("gateway-eui")) var gatewayEUI: String
        @Option var name: String = ""
        func run() async throws {
            let eui = try parseValue("gateway-eui") { try EUI64(hex: gatewayEUI) }
            try await Management(dataDir: options.dataDir).registry.upsertGateway(Gateway(gatewayEUI: eui, name: name))
            print("gateway \(eui) added")
        }
    }
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List gateways as JSON.")
        @OptionGroup var options: DataDirOption
        func run() async throws { try printRegistryJSON(try await Management(dataDir: options.dataDir).registry.gateways()) }
    }
}

func printRegistryJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
