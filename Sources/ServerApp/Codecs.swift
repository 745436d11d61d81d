import Foundation
import PayloadCodecs

/// Resolves a device profile's codec name to a loaded codec: the name is a catalogue entry id in
/// the codecs directory's `catalog.json`. Each codec is loaded once and cached; a codec that fails
/// to load is remembered as failed (with why) so a broken script is not reloaded for every uplink.
/// An actor, so the JavaScript engine is only ever entered from one task at a time.
actor CodecService {
    let directory: String?
    let catalog: CodecCatalog?
    let catalogError: String?
    let engine = CodecEngine()
    var cache: [String: Result<PayloadCodec, CodecError>] = [:]

    /// Reads `<directory>/catalog.json`; a missing or invalid catalogue only fails the uplinks
    /// whose profile names a codec (the server still runs).
    init(directory: String?) {
        self.directory = directory
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
        if let catalog, let directory {
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
}
