import Foundation
import PayloadCodecs

/// Resolves a device profile's codec name to a loaded codec: the name is a catalogue entry id in
/// the codecs directory's `catalog.json`, or `script:NAME` for a script uploaded with
/// `lorikeet codec upload` into `<data-dir>/codecs/NAME.js`. Each codec is loaded once and cached; a codec that fails
/// to load is remembered as failed (with why) so a broken script is not reloaded for every uplink.
/// An actor, so the JavaScript engine is only ever entered from one task at a time.
actor CodecService {
    let directory: String?
    let catalog: CodecCatalog?
    let catalogError: String?
    /// Where uploaded scripts live (`<data-dir>/codecs`), if the server has a data directory.
    let uploadsDirectory: String?
    let engine = CodecEngine()
    var cache: [String: Result<PayloadCodec, CodecError>] = [:]

    /// The prefix that names an uploaded script instead of a catalogue entry.
    static let uploadedPrefix = "script:"

    /// Reads `<directory>/catalog.json`; a missing or invalid catalogue only fails the uplinks
    /// whose profile names a codec (the server still runs).
    init(directory: String?, uploadsDirectory: String? = nil) {
        self.directory = directory
        self.uploadsDirectory = uploadsDirectory
        guard let directory else {
            catalog = nil
            catalogError = "no Codecs directory with catalog.json"
            return
        }
        do {
            let text = try String(contentsOfFile: directory + "/catalog.json", encoding: .utf8)
            catalog = try CodecCatalog(json: text)
            catalogError = nil
        } catch {
            catalog = nil
            catalogError = "\(directory)/catalog.json: \(error)"
        }
    }

    /// Finds the codecs directory: the configured one, `./Codecs`, or the source tree's.
    static func locate(_ configured: String?) -> String? {
        if let configured { return configured }
        var c = [FileManager.default.currentDirectoryPath + "/Codecs"]
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<3 {
            dir = dir.deletingLastPathComponent()
            c.append(dir.appendingPathComponent("Codecs").path)
        }
        return c.first { FileManager.default.fileExists(atPath: $0 + "/catalog.json") }
    }

    func codec(named name: String) throws(CodecError) -> PayloadCodec {
        if let cached = cache[name] { return try cached.get() }
        let result: Result<PayloadCodec, CodecError>
        if name.hasPrefix(Self.uploadedPrefix) {
            result = Result { () throws(CodecError) -> PayloadCodec in
                let scriptName = String(name.dropFirst(Self.uploadedPrefix.count))
                guard let uploadsDirectory else { throw .invalidCatalog("\(name): the server has no codecs upload directory") }
                let path = try Self.uploadedScriptPath(name: scriptName, in: uploadsDirectory)
                guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw .invalidCatalog("\(name): no uploaded script \(scriptName) (lorikeet codec upload)")
                }
                return .script(try engine.load(source: source, name: scriptName + ".js"))
            }
        } else if let catalog, let directory {
            do {
                let codec = try catalog.makeCodec(id: name, engine: engine) { file in
                    guard !file.contains(".."), !file.hasPrefix("/") else { throw CodecError.invalidCatalog("file \(file) leaves the codecs directory") }
                    return try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
                }
                result = .success(codec)
            } catch { result = .failure(error) }
        } else {
            result = .failure(.invalidCatalog(catalogError ?? "no codec catalogue"))
        }
        cache[name] = result
        return try result.get()
    }

    /// Decodes an uplink with the named codec.
    func decode(codec name: String, bytes: [UInt8], fPort: Int, time: Date) throws(CodecError) -> DecodedPayload {
        try codec(named: name).decodeUplink(UplinkInput(bytes: bytes, fPort: fPort, recvTime: time))
    }

    /// Encodes a downlink object with the named codec.
    func encode(codec name: String, object: JSONValue) throws(CodecError) -> EncodedPayload {
        try codec(named: name).encodeDownlink(DownlinkInput(data: object))
    }

    /// The file of the uploaded script `name`: names are 1–64 of `A–Z a–z 0–9 _ - .`, start with a
    /// letter or digit, so a name can never leave the upload directory.
    static func uploadedScriptPath(name: String, in directory: String) throws(CodecError) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard (1...64).contains(name.count), name.allSatisfy(allowed.contains),
              let first = name.first, first.isLetter || first.isNumber, !name.contains("..") else {
            throw .invalidInput("codec script name must be 1–64 of A–Z a–z 0–9 _ - . starting with a letter or digit, got \"\(name)\"")
        }
        return directory + "/" + name + ".js"
    }

    /// Checks that `source` loads as a codec script, then stores it as `<uploads>/<name>.js`
    /// (written to a temporary file and renamed, so a server never reads half a script).
    /// - Returns: the codec name a device profile uses: `script:<name>`.
    static func upload(source: String, name: String, uploadsDirectory: String) throws -> String {
        let path = try uploadedScriptPath(name: name, in: uploadsDirectory)
        _ = try CodecEngine().load(source: source, name: name + ".js")
        try FileManager.default.createDirectory(atPath: uploadsDirectory, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        try Data(source.utf8).write(to: URL(fileURLWithPath: temporary))
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        return uploadedPrefix + name
    }
}

/// Uploading codec scripts into a data directory, for the command line and the HTTP API.
public enum CodecUploads {
    /// The directory under a data directory that holds uploaded scripts.
    public static func directory(dataDirectory: String) -> String { dataDirectory + "/codecs" }

    /// Validates and stores the script at `sourcePath` as the uploaded codec `name`.
    /// - Returns: the codec name for a device profile (`script:<name>`).
    /// - Throws: when the file cannot be read, the name is invalid or the script does not load.
    public static func upload(sourcePath: String, name: String, dataDirectory: String) throws -> String {
        let source: String
        do { source = try String(contentsOfFile: sourcePath, encoding: .utf8) } catch {
            throw CodecError.invalidInput("cannot read \(sourcePath)")
        }
        return try CodecService.upload(source: source, name: name, uploadsDirectory: directory(dataDirectory: dataDirectory))
    }
}
