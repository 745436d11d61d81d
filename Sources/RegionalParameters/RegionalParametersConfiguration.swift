/// Configuration of the regional-parameters layer, as ServerApp reads it from the server's
/// configuration file (every field has a default, so `{}` is a valid configuration).
///
/// The module does not read `regionsDirectory` itself: ServerApp reads the files there and builds a
/// ``RegionCatalog``; the other fields select a plan and options for the network server.
public struct RegionalParametersConfiguration: Codable, Sendable, Equatable {
    /// Directory holding `plans.json` and the plan files. Default `Regions`.
    public var regionsDirectory: String
    /// Plan id the network server uses, e.g. `EU868`, `US915`, `AS923-2`. Default `EU868`.
    public var plan: String
    /// Use the repeater-compatible maximum payload sizes. Default false.
    public var repeaterCompatible: Bool
    /// Allow LinkADRReq ChMaskCntl 5 (US915/AU915 sub-band mask; RP002-1.0.x devices only). Default false.
    public var allowSubBandMask: Bool

    /// A configuration; every argument defaults to the documented default.
    public init(regionsDirectory: String = "Regions", plan: String = "EU868", repeaterCompatible: Bool = false, allowSubBandMask: Bool = false) {
        self.regionsDirectory = regionsDirectory
        self.plan = plan
        self.repeaterCompatible = repeaterCompatible
        self.allowSubBandMask = allowSubBandMask
    }

    private enum CodingKeys: String, CodingKey {
        case regionsDirectory, plan, repeaterCompatible, allowSubBandMask
    }

    /// Decodes a configuration; absent keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RegionalParametersConfiguration()
        regionsDirectory = try container.decodeIfPresent(String.self, forKey: .regionsDirectory) ?? defaults.regionsDirectory
        plan = try container.decodeIfPresent(String.self, forKey: .plan) ?? defaults.plan
        repeaterCompatible = try container.decodeIfPresent(Bool.self, forKey: .repeaterCompatible) ?? defaults.repeaterCompatible
        allowSubBandMask = try container.decodeIfPresent(Bool.self, forKey: .allowSubBandMask) ?? defaults.allowSubBandMask
    }
}
