import ArgumentParser
import Foundation
import PayloadCodecs
import ServerApp
import Yams

/// `lorikeet codec …`: run and test payload codecs (docs/codecs.md).
struct CodecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Run payload codecs (JavaScript, Cayenne LPP) and test them against their examples.",
        subcommands: [CodecRunCommand.self, CodecTestCommand.self, CodecUploadCommand.self]
    )
}

/// Options shared by the codec commands.
struct CodecLimitOptions: ParsableArguments {
    @Option(name: .customLong("time-limit-ms"), help: "Time limit per call in milliseconds.")
    var timeLimitMilliseconds = 100

    @Option(name: .customLong("memory-limit-mb"), help: "JavaScript heap limit in MiB.")
    var memoryLimitMiB = 128

    var configuration: CodecEngineConfiguration {
        CodecEngineConfiguration(timeLimitMilliseconds: timeLimitMilliseconds, memoryLimitBytes: memoryLimitMiB << 20)
    }
}

/// The name that selects the native Cayenne LPP codec instead of a script file.
let cayenneLPPScriptName = "builtin:cayenne-lpp"

/// Loads codecs by path, once each, and remembers failures so a bad script is reported per line.
final class CodecLoader {
    let engine: CodecEngine
    private var loaded: [String: Result<PayloadCodec, CodecError>] = [:]

    init(configuration: CodecEngineConfiguration) {
        engine = CodecEngine(configuration: configuration)
    }

    func codec(at path: String) throws(CodecError) -> PayloadCodec {
        if let cached = loaded[path] { return try cached.get() }
        let result: Result<PayloadCodec, CodecError>
        if path == cayenneLPPScriptName {
            result = .success(.cayenneLPP)
        } else if let source = try? String(contentsOfFile: path, encoding: .utf8) {
            do { result = .success(.script(try engine.load(source: source, name: (path as NSString).lastPathComponent))) }
            catch { result = .failure(error) }
        } else {
            result = .failure(.invalidInput("cannot read script \(path)"))
        }
        loaded[path] = result
        return try result.get()
    }

    /// Runs `function` of the codec at `path` on `input` (see `ScriptCodec.run`).
    func run(path: String, function: String, input: JSONValue) throws(CodecError) -> JSONValue {
        switch try codec(at: path) {
        case .script(let codec):
            return try codec.run(function: function, input: input, defaultRecvTime: Date())
        case .cayenneLPP:
            switch function {
            case "decodeUplink", "decodeDownlink":
                guard case .object(let object) = input else { throw .invalidInput("the input must be a JSON object") }
                let bytes = try PayloadBytes.parse(object["bytes"] ?? .null)
                return .object(["data": .object(try CayenneLPP.decode(bytes)), "warnings": [], "errors": []])
            case "encodeDownlink":
                guard case .object(let data)? = input["data"] else { throw .invalidInput("encodeDownlink input needs \"data\" (an object)") }
                return .object(["bytes": PayloadBytes.json(try CayenneLPP.encode(data)), "warnings": [], "errors": []])
            default:
                throw .functionNotFound(function)
            }
        }
    }
}

/// Writes a line to stdout and flushes it at once (batch answers must not wait in a buffer).
func writeLine(_ line: String) {
    // One write(2) per line: nothing is held in a stdio buffer.
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func writeError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `lorikeet codec run`: one call, or a batch of JSON lines on stdin.
struct CodecRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Call a codec function once (--script/--function/--input) or answer JSON lines on stdin (--batch).",
        discussion: """
        Single call: prints the function's result as JSON and exits 0, or prints the error on stderr and \
        exits 1. --script builtin:cayenne-lpp selects the native Cayenne LPP codec.

        Input for decodeUplink/decodeDownlink: {"bytes": [1,2] | "0102" (hex) | "AQI=" (base64), "fPort": 1, \
        "recvTime"?: "2026-01-01T00:00:00Z", "variables"?: {...}}; for encodeDownlink: {"data": {...}}; for \
        ChirpStack v3 Decode: {"fPort", "bytes", "variables"?}; Encode: {"fPort", "data", "variables"?}.

        Batch: each stdin line {"id": ..., "script": PATH, "function": NAME, "input": {...}} gets one stdout \
        line, in order and flushed at once: {"id": ..., "ok": true, "output": {...}} or \
        {"id": ..., "ok": false, "error": "..."}. Each script is loaded once; failures never end the batch.
        """
    )

    @Option(help: "The codec script (a .js file, or builtin:cayenne-lpp).")
    var script: String?

    @Option(help: "The function to call.")
    var function = "decodeUplink"

    @Option(help: "The input as JSON.")
    var input: String?

    @Flag(help: "Read JSON lines from stdin and answer each on stdout.")
    var batch = false

    @OptionGroup var limits: CodecLimitOptions

    func validate() throws {
        if batch {
            guard script == nil, input == nil else { throw ValidationError("--batch takes its scripts and inputs from stdin") }
        } else {
            guard script != nil, input != nil else { throw ValidationError("give --script and --input, or --batch") }
        }
    }

    func run() throws {
        let loader = CodecLoader(configuration: limits.configuration)
        if batch {
            runBatch(loader)
            return
        }
        guard let script, let input else { throw ExitCode.validationFailure }
        do {
            let value = try JSONValue(parsing: input)
            writeLine(try loader.run(path: script, function: function, input: value).description)
        } catch {
            writeError("error: \(error.description) [\(error.code)]")
            throw ExitCode.failure
        }
    }

    private func runBatch(_ loader: CodecLoader) {
        while let line = readLine(strippingNewline: true) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            var id: JSONValue = .null
            var answer: JSONObject
            do {
                let request = try JSONValue(parsing: line)
                guard case .object(let object) = request else { throw CodecError.invalidInput("each line must be a JSON object") }
                id = object["id"] ?? .null
                guard let script = object["script"]?.string else { throw CodecError.invalidInput("missing \"script\"") }
                let function = object["function"]?.string ?? "decodeUplink"
                let output = try loader.run(path: script, function: function, input: object["input"] ?? .object([:]))
                answer = ["id": id, "ok": true, "output": output]
            } catch let error as CodecError {
                answer = ["id": id, "ok": false, "error": .string(error.description), "code": .string(error.code)]
            } catch {
                answer = ["id": id, "ok": false, "error": .string("\(error)")]
            }
            writeLine(JSONValue.object(answer).description)
        }
    }
}

/// `lorikeet codec test FILE`: run a codec's own examples.
struct CodecTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a codec's examples: a TTN Device Repository codec file (.yaml/.json) or Codecs/catalog.json.",
        discussion: """
        The file uses the Device Repository layout (uplinkDecoder / downlinkEncoder / downlinkDecoder, each \
        with fileName and examples of input and expected output). The script named by fileName is read \
        relative to the file; --script overrides it. A catalogue ({"codecs": [...]}) tests every entry. \
        Prints one line per example and exits 1 if any fails.
        """
    )

    @Argument(help: "The codec file (.yaml, .yml or .json).")
    var file: String

    @Option(help: "Use this script instead of the file's fileName.")
    var script: String?

    @OptionGroup var limits: CodecLimitOptions

    func run() throws {
        let directory = (file as NSString).deletingLastPathComponent
        let document: JSONValue
        do {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw CodecError.invalidInput("cannot read \(file)")
            }
            if file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                guard let node = try Yams.compose(yaml: text) else { throw CodecError.invalidCatalog("empty YAML document") }
                document = try jsonValue(node)
            } else {
                document = try JSONValue(parsing: text)
            }
        } catch let error as CodecError {
            writeError("error: \(error.description)")
            throw ExitCode.failure
        } catch {
            writeError("error: invalid YAML: \(error)")
            throw ExitCode.failure
        }

        let loader = CodecLoader(configuration: limits.configuration)
        var passed = 0
        var failed = 0
        func report(_ label: String, _ examples: CodecExamples, codecPath: String) {
            let codec: PayloadCodec
            do { codec = try loader.codec(at: codecPath) } catch {
                writeLine("✗ \(label): \(error.description)")
                failed += max(1, examples.examples.count)
                return
            }
            for outcome in examples.run(on: codec) {
                if let failure = outcome.failure {
                    failed += 1
                    writeLine("✗ \(label) \(outcome.example.kind.rawValue): \(outcome.example.description): \(failure)")
                } else {
                    passed += 1
                    writeLine("✓ \(label) \(outcome.example.kind.rawValue): \(outcome.example.description)")
                }
            }
        }

        do {
            if document["codecs"] != nil {
                let catalog = try CodecCatalog(json: document.description)
                for entry in catalog.entries {
                    let path = entry.format == .cayenneLPP ? cayenneLPPScriptName
                        : (directory as NSString).appendingPathComponent(entry.file ?? "")
                    report(entry.id, entry.examples, codecPath: path)
                }
            } else {
                let examples = try CodecExamples(json: document)
                guard let fileName = script ?? CodecExamples.Kind.allCases.lazy.compactMap({ examples.fileNames[$0] }).first else {
                    throw CodecError.invalidCatalog("no fileName in the codec file; pass --script")
                }
                let path = script ?? (directory as NSString).appendingPathComponent(fileName)
                report((fileName as NSString).lastPathComponent, examples, codecPath: path)
            }
        } catch {
            writeError("error: \(error)")
            throw ExitCode.failure
        }
        writeLine("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }

    /// YAML node → JSON value, keeping mapping order. Scalars are typed by YAML's resolver
    /// (so `0x1F` is a number and `"0x1F"` a string).
    private func jsonValue(_ node: Node) throws(CodecError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if node.null != nil { return .null }
            if node.tag.description.hasSuffix(":str") || scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
                return .string(scalar.string)
            }
            if let b = node.bool { return .bool(b) }
            if let i = node.int { return .number(Double(i)) }
            if let d = node.float, d.isFinite { return .number(d) }
            return .string(scalar.string)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try jsonValue(item)) }
            return .array(items)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard let name = key.string else { throw .invalidCatalog("YAML keys must be strings") }
                object[name] = try jsonValue(value)
            }
            return .object(object)
        case .alias:
            throw .invalidCatalog("YAML aliases are not supported")
        }
    }
}

/// `lorikeet codec upload --name NAME FILE.js`: stores a vendor's codec script in the data directory
/// (after checking that it loads), so a device profile can name it as `script:NAME`.
struct CodecUploadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Store a codec script in the data directory for device profiles (codec script:NAME)."
    )

    @Option(help: "The data directory.") var dataDir = "./lorikeet-data"
    @Option(help: "The name profiles use (script:NAME): 1–64 of A–Z a–z 0–9 _ - .") var name: String
    @Argument(help: "The JavaScript codec file.") var file: String

    func run() throws {
        do {
            let codecName = try CodecUploads.upload(sourcePath: file, name: name, dataDirectory: dataDir)
            print(codecName)
        } catch {
            throw failWithOneLine("\(error)")
        }
    }
}
