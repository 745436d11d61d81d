import Foundation
public import LoRaWAN
public import RegionalParameters

/// Everything one `lorikeet simulate` run needs, already validated.
public struct SimulationConfiguration: Sendable {
    /// The server's packet-forwarder address, `host:port`.
    public var target: String
    /// Number of gateways (each its own UDP socket, as separate packet forwarders would be).
    public var gateways: Int
    /// Number of OTAA devices to provision and join (ignored when `abpDevices` is set).
    public var devices: Int
    /// Aggregate uplink rate of all devices, uplinks per second.
    public var rate: Double
    /// How long the uplink phase lasts (after the joins).
    public var duration: Duration
    /// Share of uplinks sent as confirmed (0…1).
    public var confirmedFraction: Double
    /// The channel plan the devices use (uplink channels, data rates, RX1/RX2 windows).
    public var plan: ChannelPlan
    /// LoRaWAN version of the OTAA devices.
    public var macVersion: MACVersion
    /// Whether devices set the ADR bit (and follow the server's LinkADRReq).
    public var adr: Bool
    /// What the devices send.
    public var payload: Payload
    /// The first gateway's EUI; gateway g has this EUI + g.
    public var gatewayEUIBase: EUI64
    /// The first device's DevEUI; device i has this DevEUI + i.
    public var devEUIBase: EUI64
    /// The JoinEUI of every OTAA device.
    public var joinEUI: EUI64
    /// The HTTP API that provisions the OTAA devices; nil for ABP devices from a file.
    public var api: APIAccess?
    /// Pre-provisioned ABP devices (from a devices file); nil for OTAA devices.
    public var abpDevices: [SimulatedDevice]?
    /// Join-requests per second during the join phase.
    public var joinRate: Double
    /// Join-requests a device sends before it gives up (a device retries with a new DevNonce once
    /// the windows of its last join-request have passed unanswered).
    public var joinAttempts: Int
    /// Seconds between PULL_DATA keep-alives (the packet forwarder's `keepalive_interval`).
    public var keepalive: Duration

    /// The HTTP API's base URL and admin key.
    public struct APIAccess: Sendable, Hashable {
        public var baseURL: String
        public var key: String
        public init(baseURL: String, key: String) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.key = key
        }
    }

    /// A configuration with the `lorikeet simulate` defaults.
    public init(target: String = "127.0.0.1:1700", plan: ChannelPlan) {
        self.target = target
        self.gateways = 1
        self.devices = 10
        self.rate = 1
        self.duration = .seconds(10)
        self.confirmedFraction = 0
        self.plan = plan
        self.macVersion = .lorawan1_0
        self.adr = true
        self.payload = .cayenne
        self.gatewayEUIBase = EUI64(0xAA55_5A00_0000_0000)
        self.devEUIBase = EUI64(0x5349_4D00_0000_0000)  // "SIM"
        self.joinEUI = EUI64(0x70B3_D57E_D000_0000)
        self.joinRate = 50
        self.joinAttempts = 3
        self.keepalive = .seconds(10)
    }

    /// Checks ranges; returns the first problem.
    public func validate() throws(SimulatorError) {
        guard (1...64).contains(gateways) else { throw .invalidArgument("--gateways must be 1…64, got \(gateways)") }
        if abpDevices == nil {
            guard (1...1_000_000).contains(devices) else { throw .invalidArgument("--devices must be 1…1000000, got \(devices)") }
            guard api != nil else { throw .invalidArgument("OTAA devices are provisioned through the HTTP API: give --api and --api-key or --api-key-file (or --devices-file for ABP devices)") }
        }
        guard rate.isFinite, rate > 0, rate <= 1_000_000 else { throw .invalidArgument("--rate must be > 0 and ≤ 1000000 uplinks/s") }
        guard joinRate.isFinite, joinRate > 0, joinRate <= 1_000_000 else { throw .invalidArgument("--join-rate must be > 0") }
        guard duration > .zero, duration <= .seconds(864_000) else { throw .invalidArgument("--duration must be > 0 s and at most ten days") }
        guard confirmedFraction.isFinite, (0...1).contains(confirmedFraction) else { throw .invalidArgument("--confirmed must be a fraction 0…1") }
        guard keepalive >= .milliseconds(100) else { throw .invalidArgument("--keepalive must be at least 0.1 s") }
        guard !plan.uplinkChannels.isEmpty else { throw .invalidRegion("\(plan.id) has no uplink channels") }
    }

    /// Loads the plan `id` from a `Regions/` directory (all of it is validated, as `serve` does).
    public static func loadPlan(id: String, regionsDirectory: String) throws(SimulatorError) -> ChannelPlan {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: regionsDirectory) } catch {
            throw .invalidRegion("cannot read the regions directory \(regionsDirectory) (--regions-dir)")
        }
        var files: [(name: String, bytes: [UInt8])] = []
        for name in names where name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: regionsDirectory + "/" + name) else {
                throw .invalidRegion("cannot read \(regionsDirectory)/\(name)")
            }
            files.append((name, Array(data)))
        }
        let catalog: RegionCatalog
        do { catalog = try RegionCatalog(files: files) } catch { throw .invalidRegion("\(error)") }
        guard let plan = catalog.plan(id: id) else {
            throw .invalidRegion("unknown region \(id); known: \(catalog.ids.joined(separator: ", "))")
        }
        return plan
    }

    /// Parses the ABP devices file: a JSON array of objects with `dev_eui`, `dev_addr`,
    /// `nwk_s_key`, `app_s_key` and an optional first counter `f_cnt` (the format
    /// `lorikeet device import` reads, so one file provisions and simulates).
    public static func loadABPDevices(path: String) throws(SimulatorError) -> [SimulatedDevice] {
        struct Entry: Decodable {
            var dev_eui: String
            var dev_addr: String
            var nwk_s_key: String
            var app_s_key: String
            var f_cnt: UInt32?
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalidDevicesFile("cannot read \(path)") }
        let list: [Entry]
        do { list = try JSONDecoder().decode([Entry].self, from: data) } catch {
            throw .invalidDevicesFile(String("\(error)".prefix(300)))
        }
        var out: [SimulatedDevice] = []
        for (i, d) in list.enumerated() {
            do {
                let keys = SessionKeys(nwkSKey: try AES128Key(hex: d.nwk_s_key), appSKey: try AES128Key(hex: d.app_s_key))
                var device = try SimulatedDevice(devEUI: try EUI64(hex: d.dev_eui), devAddr: try DevAddr(hex: d.dev_addr), keys: keys)
                device.fCntUp = d.f_cnt ?? 0
                out.append(device)
            } catch {
                throw .invalidDevicesFile("device \(i): \(error)")
            }
        }
        guard !out.isEmpty else { throw .invalidDevicesFile("no devices") }
        return out
    }
}
