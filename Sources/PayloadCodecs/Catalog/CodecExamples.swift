/// A codec's own examples in The Things Network Device Repository's codec-file layout:
///
/// ```yaml
/// uplinkDecoder:
///   fileName: codec.js
///   examples:
///     - description: Temperature and humidity
///       input: { fPort: 85, bytes: [0x01, 0x75, 0x64] }
///       output: { data: { battery: 100 }, warnings: [], errors: [] }
/// downlinkEncoder:
///   fileName: codec.js
///   examples:
///     - input: { data: { interval: 600 } }
///       output: { bytes: [0xFF, 0x03, 0x58, 0x02], fPort: 85, warnings: [], errors: [] }
/// downlinkDecoder:
///   fileName: codec.js
///   examples: [ { input: { fPort: 85, bytes: [...] }, output: { data: {...} } } ]
/// ```
///
/// The same layout is embedded per entry in `Codecs/catalog.json`. Bytes may be written as an
/// array, hex or base64 (`PayloadBytes`).
public struct CodecExamples: Sendable, Equatable {
    /// Which function an example exercises.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// `decodeUplink`
        case uplinkDecoder
        /// `encodeDownlink`
        case downlinkEncoder
        /// `decodeDownlink`
        case downlinkDecoder
    }

    /// One example: input and expected output.
    public struct Example: Sendable, Equatable {
        /// Which function it exercises.
        public var kind: Kind
        /// What it shows.
        public var description: String
        /// The function's input (`{fPort, bytes}` or `{data}`).
        public var input: JSONObject
        /// The expected result (`{data, warnings, errors}` or `{bytes, fPort, warnings, errors}`).
        public var output: JSONObject
    }

    /// The script file each section names (`fileName`), if any.
    public var fileNames: [Kind: String]
    /// Every example, uplink decoder first.
    public var examples: [Example]

    /// Reads the layout from a parsed JSON (or YAML converted to JSON) document.
    /// - Throws: `CodecError.invalidCatalog` naming what is missing.
    public init(json: JSONValue) throws(CodecError) {
        guard case .object(let root) = json else { throw .invalidCatalog("a codec file must be an object") }
        fileNames = [:]
        examples = []
        for kind in Kind.allCases {
            guard let section = root[kind.rawValue] else { continue }
            guard case .object(let body) = section else { throw .invalidCatalog("\(kind.rawValue) must be an object") }
            if let name = body["fileName"]?.string { fileNames[kind] = name }
            guard let list = body["examples"] else { continue }
            guard case .array(let items) = list else { throw .invalidCatalog("\(kind.rawValue).examples must be a list") }
            for (i, item) in items.enumerated() {
                guard case .object(let example) = item,
                      case .object(let input)? = example["input"],
                      case .object(let output)? = example["output"] else {
                    throw .invalidCatalog("\(kind.rawValue).examples[\(i)] needs input and output objects")
                }
                examples.append(Example(kind: kind, description: example["description"]?.string ?? "example \(i + 1)",
                                        input: input, output: output))
            }
        }
    }

    /// The outcome of one example.
    public struct Outcome: Sendable, Equatable {
        /// The example.
        public var example: Example
        /// Nil when it passed; otherwise what differed or failed.
        public var failure: String?
        /// Whether it passed.
        public var passed: Bool { failure == nil }
    }

    /// Runs every example against `codec`.
    public func run(on codec: PayloadCodec) -> [Outcome] {
        examples.map { example in
            Outcome(example: example, failure: CodecExamples.check(example, on: codec))
        }
    }

    static func check(_ example: Example, on codec: PayloadCodec) -> String? {
        do {
            let expected = example.output
            switch example.kind {
            case .uplinkDecoder, .downlinkDecoder:
                let bytes = try PayloadBytes.parse(example.input["bytes"] ?? .null)
                guard let port = example.input["fPort"]?.number else { return "the example input has no fPort" }
                let input = UplinkInput(bytes: bytes, fPort: Int(port))
                let out = example.kind == .uplinkDecoder ? try codec.decodeUplink(input) : try codec.decodeDownlink(input)
                var problems: [String] = []
                if let data = expected["data"], data != .null, out.data.map(JSONValue.object) != data {
                    problems.append("data: expected \(data), got \(out.data.map { JSONValue.object($0).description } ?? "none")")
                }
                compareStrings("warnings", expected["warnings"], out.warnings, &problems)
                compareStrings("errors", expected["errors"], out.errors, &problems)
                return problems.isEmpty ? nil : problems.joined(separator: "; ")
            case .downlinkEncoder:
                guard let data = example.input["data"] else { return "the example input has no data" }
                let out = try codec.encodeDownlink(DownlinkInput(data: data))
                var problems: [String] = []
                if let bytes = expected["bytes"], bytes != .null {
                    let want = try PayloadBytes.parse(bytes)
                    if want != out.bytes { problems.append("bytes: expected \(PayloadBytes.json(want)), got \(PayloadBytes.json(out.bytes))") }
                }
                if let port = expected["fPort"]?.number, out.fPort != Int(port) {
                    problems.append("fPort: expected \(Int(port)), got \(out.fPort.map(String.init) ?? "none")")
                }
                compareStrings("warnings", expected["warnings"], out.warnings, &problems)
                compareStrings("errors", expected["errors"], out.errors, &problems)
                return problems.isEmpty ? nil : problems.joined(separator: "; ")
            }
        } catch {
            return error.description
        }
    }

    private static func compareStrings(_ name: String, _ expected: JSONValue?, _ actual: [String], _ problems: inout [String]) {
        let want = expected?.array?.compactMap(\.string) ?? []
        if want != actual { problems.append("\(name): expected \(want), got \(actual)") }
    }
}
