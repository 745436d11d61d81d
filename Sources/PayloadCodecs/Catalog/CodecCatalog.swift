/// The index of the codecs Lorikeet ships (`Codecs/catalog.json`).
///
/// ```json
/// { "codecs": [ { "id": "milesight-em300-th", "name": "…", "vendor": "Milesight", "model": "EM300-TH",
///                 "format": "javascript", "file": "milesight-ipso.js", "source": "…",
///                 "uplinkDecoder": { "examples": [ … ] }, "downlinkEncoder": { "examples": [ … ] } } ] }
/// ```
///
/// `format` is `javascript` (then `file` is a path relative to the catalogue) or `cayenne-lpp`
/// (native, no file). Examples use the TTN Device Repository layout (`CodecExamples`). A device
/// profile names a codec by `id`. Parsing does no I/O: the caller reads the files.
public struct CodecCatalog: Sendable, Equatable {
    /// How an entry's codec runs.
    public enum Format: String, Sendable, Equatable {
        /// A JavaScript file (TTN / ChirpStack conventions).
        case javascript
        /// The native Cayenne LPP codec.
        case cayenneLPP = "cayenne-lpp"
    }

    /// One catalogue entry.
    public struct Entry: Sendable, Equatable {
        /// Stable identifier a device profile refers to.
        public var id: String
        /// Display name.
        public var name: String
        /// Device maker.
        public var vendor: String
        /// Device model.
        public var model: String
        /// How it runs.
        public var format: Format
        /// The script, relative to the catalogue (nil for native formats).
        public var file: String?
        /// Where the payload layout comes from (vendor document).
        public var source: String?
        /// Example inputs and outputs.
        public var examples: CodecExamples
    }

    /// Entries in file order.
    public var entries: [Entry]

    /// The entry with this id.
    public func entry(id: String) -> Entry? { entries.first { $0.id == id } }

    /// Parses catalogue JSON text.
    /// - Throws: `CodecError.invalidCatalog` / `.invalidJSON` naming the bad entry.
    public init(json text: String) throws(CodecError) {
        let root = try JSONValue(parsing: text)
        guard case .array(let items)? = root["codecs"] else { throw .invalidCatalog("expected {\"codecs\": [...]}") }
        var entries: [Entry] = []
        var seen = Set<String>()
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw .invalidCatalog("codecs[\(i)] must be an object") }
            func field(_ name: String) throws(CodecError) -> String {
                guard let value = o[name]?.string, !value.isEmpty else { throw .invalidCatalog("codecs[\(i)] needs a \"\(name)\" string") }
                return value
            }
            let id = try field("id")
            guard seen.insert(id).inserted else { throw .invalidCatalog("duplicate id \(id)") }
            guard let format = Format(rawValue: try field("format")) else {
                throw .invalidCatalog("\(id): format must be javascript or cayenne-lpp")
            }
            let file = o["file"]?.string
            if format == .javascript {
                guard let file, !file.isEmpty, !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                    throw .invalidCatalog("\(id): a javascript codec needs a relative \"file\" inside the catalogue folder")
                }
            }
            entries.append(Entry(id: id, name: try field("name"), vendor: try field("vendor"), model: try field("model"),
                                 format: format, file: file, source: o["source"]?.string,
                                 examples: try CodecExamples(json: item)))
        }
        self.entries = entries
    }
}

extension CodecCatalog {
    /// Builds the codec a device profile names by catalogue `id`.
    ///
    /// - Parameters:
    ///   - id: the entry's id.
    ///   - engine: the engine JavaScript entries are loaded into.
    ///   - readScript: returns the text of a script given its catalogue-relative `file` (the caller
    ///     does the I/O; this module reads no files).
    /// - Throws: `CodecError.invalidCatalog` for an unknown id or an unreadable file, or the
    ///   script's load error.
    public func makeCodec(id: String, engine: CodecEngine,
                          readScript: (String) throws -> String) throws(CodecError) -> PayloadCodec {
        guard let entry = entry(id: id) else { throw .invalidCatalog("no codec with id \(id)") }
        switch entry.format {
        case .cayenneLPP:
            return .cayenneLPP
        case .javascript:
            guard let file = entry.file else { throw .invalidCatalog("\(id) has no file") }
            let source: String
            do { source = try readScript(file) } catch { throw .invalidCatalog("\(id): cannot read \(file): \(error)") }
            return .script(try engine.load(source: source, name: file))
        }
    }
}
