import Foundation
import Testing
@testable import PayloadCodecs

@Suite("Codec catalogue")
struct CodecCatalogTests {
    static let codecsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Codecs")

    static func loadCatalog() throws -> CodecCatalog {
        let text = try String(contentsOf: codecsFolder.appendingPathComponent("catalog.json"), encoding: .utf8)
        return try CodecCatalog(json: text)
    }

    static let entryIDs: [String] = (try? loadCatalog().entries.map(\.id)) ?? []

    @Test("the catalogue parses and lists Cayenne LPP and at least four vendor codecs")
    func catalogue() throws {
        let catalog = try Self.loadCatalog()
        #expect(catalog.entry(id: "cayenne-lpp")?.format == .cayenneLPP)
        #expect(catalog.entries.filter { $0.format == .javascript }.count >= 4)
        for entry in catalog.entries {
            #expect(!entry.examples.examples.isEmpty, "\(entry.id) has no examples")
        }
    }

    @Test("every catalogue entry's examples pass", arguments: entryIDs)
    func examples(id: String) throws {
        let catalog = try Self.loadCatalog()
        let entry = try #require(catalog.entry(id: id))
        let codec: PayloadCodec
        switch entry.format {
        case .cayenneLPP:
            codec = .cayenneLPP
        case .javascript:
            let file = try #require(entry.file)
            let source = try String(contentsOf: Self.codecsFolder.appendingPathComponent(file), encoding: .utf8)
            codec = .script(try CodecEngine().load(source: source, name: file))
        }
        let outcomes = entry.examples.run(on: codec)
        #expect(!outcomes.isEmpty)
        for outcome in outcomes {
            #expect(outcome.passed, "\(id) / \(outcome.example.description): \(outcome.failure ?? "")")
        }
    }

    @Test("makeCodec resolves a device profile's catalogue id")
    func makeCodec() throws {
        let catalog = try Self.loadCatalog()
        let engine = CodecEngine()
        let read = { (file: String) throws -> String in
            try String(contentsOf: Self.codecsFolder.appendingPathComponent(file), encoding: .utf8)
        }
        let em300 = try catalog.makeCodec(id: "milesight-em300-th", engine: engine, readScript: read)
        #expect(try em300.decodeUplink(UplinkInput(bytes: [0x01, 0x75, 0x32], fPort: 85)).data == ["battery": 50])
        guard case .cayenneLPP = try catalog.makeCodec(id: "cayenne-lpp", engine: engine, readScript: read) else {
            Issue.record("cayenne-lpp is not native")
            return
        }
        #expect(throws: CodecError.invalidCatalog("no codec with id nope")) {
            try catalog.makeCodec(id: "nope", engine: engine, readScript: read)
        }
    }

    @Test("a failing example is reported with what differed")
    func failingExample() throws {
        let examples = try CodecExamples(json: JSONValue(parsing: """
        {"uplinkDecoder": {"fileName": "x.js", "examples": [
          {"description": "wrong", "input": {"fPort": 1, "bytes": [1]}, "output": {"data": {"v": 2}}}]}}
        """))
        #expect(examples.fileNames[.uplinkDecoder] == "x.js")
        let codec = try CodecEngine().load(source: "function decodeUplink(i) { return { data: { v: i.bytes[0] } }; }")
        let outcome = try #require(examples.run(on: .script(codec)).first)
        #expect(outcome.failure == #"data: expected {"v":2}, got {"v":1}"#)
    }

    @Test("malformed catalogues give typed errors", arguments: [
        #"[]"#,
        #"{"codecs": [1]}"#,
        #"{"codecs": [{"id": "a", "name": "n", "vendor": "v", "model": "m", "format": "lua"}]}"#,
        #"{"codecs": [{"id": "a", "name": "n", "vendor": "v", "model": "m", "format": "javascript", "file": "../etc/passwd"}]}"#,
        #"{"codecs": [{"id": "a", "name": "n", "vendor": "v", "model": "m", "format": "cayenne-lpp"}, {"id": "a", "name": "n", "vendor": "v", "model": "m", "format": "cayenne-lpp"}]}"#,
        #"{"codecs": [{"id": "a", "name": "n", "vendor": "v", "model": "m", "format": "cayenne-lpp", "uplinkDecoder": {"examples": [{"input": 1}]}}]}"#,
        #"{"codecs": "#,
    ])
    func malformed(text: String) {
        #expect(throws: CodecError.self) { try CodecCatalog(json: text) }
    }
}

@Suite("JSON")
struct JSONValueTests {
    @Test("parses and prints keeping member order")
    func roundTrip() throws {
        let text = #"{"b":1,"a":[true,false,null,-0.5,1e3,"x\"\u00e9\ud83d\ude00"],"c":{}}"#
        let value = try JSONValue(parsing: text)
        #expect(value.description == #"{"b":1,"a":[true,false,null,-0.5,1000,"x\"é😀"],"c":{}}"#)
        #expect(value.object?.keys == ["b", "a", "c"])
    }

    @Test("rejects malformed JSON with a position", arguments: ["", "{", "[1,]", "01", "1.", "\"\u{01}\"", "{\"a\" 1}", "tru", "[1] x", "1e999"])
    func malformed(text: String) {
        #expect(throws: CodecError.self) { try JSONValue(parsing: text) }
    }

    @Test("nesting is bounded")
    func depth() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: CodecError.self) { try JSONValue(parsing: deep) }
    }
}
