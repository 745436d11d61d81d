/// All channel plans of a `Regions/` directory, validated together.
///
/// The caller (ServerApp, a test) reads the directory and hands its files over as (name, bytes)
/// pairs; the catalog does no I/O. `plans.json` is the index:
/// ```json
/// { "plans": [ { "id": "US915", "region": "US915", "file": "US915.json" },
///              { "id": "US915_FSB2", "region": "US915", "file": "US915_FSB2.json", "base": "US915" } ] }
/// ```
/// Every listed file must be present and valid, its `id` must equal the index entry's, ids must be
/// unique, and every `.json` file other than the index must be listed (a forgotten file is an error,
/// not silently ignored). Other files (README.md) are ignored.
///
/// A plan with `base` inherits: its file's top-level fields replace the base plan's (a shallow
/// merge), so `US915_FSB2.json` needs only `id`, `enabledUplinkChannels` and `notes`. The base must
/// be listed earlier in the index. Errors in the merged plan name the derived file.
public struct RegionCatalog: Sendable, Equatable {
    /// The name of the index file.
    public static let indexFileName = "plans.json"

    /// The plans in index order.
    public let plans: [ChannelPlan]
    /// Plan id → region name as given in the index (several plans may share one region).
    public let regions: [String: String]

    /// Loads and validates a whole `Regions/` directory's files.
    /// - Parameter files: (file name, contents) pairs; names are bare file names ("EU868.json").
    /// - Throws: the first problem, as ``RegionalParametersError/invalidCatalog(file:reason:)``,
    ///   ``RegionalParametersError/invalidJSON(file:reason:)`` or
    ///   ``RegionalParametersError/invalidField(file:path:reason:)``.
    public init(files: [(name: String, bytes: [UInt8])]) throws(RegionalParametersError) {
        var byName: [String: [UInt8]] = [:]
        for file in files {
            guard byName[file.name] == nil else { throw .invalidCatalog(file: file.name, reason: "given twice") }
            byName[file.name] = file.bytes
        }
        guard let indexBytes = byName[Self.indexFileName] else {
            throw .invalidCatalog(file: Self.indexFileName, reason: "missing: the Regions directory needs an index")
        }
        let indexJSON: JSONValue
        do {
            indexJSON = try JSONParser.parse(indexBytes)
        } catch {
            throw .invalidJSON(file: Self.indexFileName, reason: error.message)
        }
        let root = JSONField(value: indexJSON, file: Self.indexFileName, path: "")
        try root.rejectUnknownKeys(["plans"])
        var plans: [ChannelPlan] = []
        var regions: [String: String] = [:]
        var listedFiles = Set<String>()
        var rawPlans: [String: [(key: String, value: JSONValue)]] = [:]
        for entry in try root.required("plans").array(minimumCount: 1) {
            try entry.rejectUnknownKeys(["id", "region", "file", "base"])
            let idField = try entry.required("id")
            let id = try idField.string()
            guard regions[id] == nil else { throw idField.error("duplicate plan id \"\(id)\"") }
            let region = try entry.required("region").string()
            let fileField = try entry.required("file")
            let fileName = try fileField.string()
            guard fileName.hasSuffix(".json"), !fileName.contains("/"), fileName != Self.indexFileName else {
                throw fileField.error("expected a file name like \"EU868.json\" in the same directory")
            }
            guard listedFiles.insert(fileName).inserted else { throw fileField.error("\(fileName) is listed twice") }
            guard let bytes = byName[fileName] else { throw fileField.error("file \(fileName) is not present") }
            let json: JSONValue
            do {
                json = try JSONParser.parse(bytes)
            } catch {
                throw .invalidJSON(file: fileName, reason: error.message)
            }
            guard case var .object(members) = json else {
                throw RegionalParametersError.invalidField(file: fileName, path: "(top level)", reason: "expected an object, found \(json.typeName)")
            }
            if let baseField = try entry.optional("base") {
                let baseID = try baseField.string()
                guard let baseMembers = rawPlans[baseID] else {
                    throw baseField.error("base plan \"\(baseID)\" must be listed earlier in plans.json")
                }
                let overridden = Set(members.map(\.key))
                members = baseMembers.filter { !overridden.contains($0.key) } + members
            }
            rawPlans[id] = members
            let plan = try ChannelPlan(root: JSONField(value: .object(members), file: fileName, path: ""))
            guard plan.id == id else {
                throw RegionalParametersError.invalidField(file: fileName, path: "id", reason: "is \"\(plan.id)\" but plans.json lists this file as \"\(id)\"")
            }
            regions[id] = region
            plans.append(plan)
        }
        for name in byName.keys.sorted() where name.hasSuffix(".json") && name != Self.indexFileName && !listedFiles.contains(name) {
            throw .invalidCatalog(file: name, reason: "not listed in \(Self.indexFileName)")
        }
        self.plans = plans
        self.regions = regions
    }

    /// The plan with id `id` ("EU868", "AS923-2", …), or nil.
    public func plan(id: String) -> ChannelPlan? {
        plans.first { $0.id == id }
    }

    /// The plans of `region` (as named in the index), in index order.
    public func plans(inRegion region: String) -> [ChannelPlan] {
        plans.filter { regions[$0.id] == region }
    }

    /// The first plan of `region` (index order) with a join channel on `frequency` — how a network
    /// server tells which CN470 plan (type A or B) a device joined on. Returns nil when none has.
    public func plan(region: String, joinFrequency frequency: Int) -> ChannelPlan? {
        plans(inRegion: region).first { $0.joinChannelIndex(frequency: frequency) != nil }
    }

    /// The plan ids in index order.
    public var ids: [String] { plans.map(\.id) }
}
