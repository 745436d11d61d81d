import Foundation
import Testing
@testable import HTTPAPI

@Suite("OpenAPI fragments merge")
struct OpenAPIDocumentTests {
    @Test("the embedded fragments merge into an OpenAPI 3.1 document with the core routes")
    func embedded() throws {
        let doc = try OpenAPIDocument.merged()
        let object = try #require(try JSONSerialization.jsonObject(with: doc.data) as? [String: Any])
        #expect(object["openapi"] as? String == "3.1.0")
        #expect(doc.operations.contains("GET /api/devices/{devEUI}"))
        #expect(doc.operations.contains("POST /api/api-keys"))
        #expect(doc.operations.contains("GET /healthz"))
    }

    @Test("fragments combine paths and components; conflicts name the file")
    func merge() throws {
        let a = Data(#"{"paths": {"/api/x": {"get": {"responses": {}}}}, "components": {"schemas": {"X": {"type": "string"}}}}"#.utf8)
        let b = Data(#"{"paths": {"/api/x": {"post": {"responses": {}}}}, "components": {"schemas": {"X": {"type": "string"}}}}"#.utf8)
        let doc = try OpenAPIDocument.merge([("a.json", a), ("b.json", b)])
        #expect(doc.operations == ["GET /api/x", "POST /api/x"])
        let c = Data(#"{"paths": {"/api/x": {"get": {"responses": {"200": {}}}}}}"#.utf8)
        #expect(throws: OpenAPIDocument.MergeError.self) { try OpenAPIDocument.merge([("a.json", a), ("c.json", c)]) }
        let d = Data(#"{"components": {"schemas": {"X": {"type": "integer"}}}}"#.utf8)
        #expect(throws: OpenAPIDocument.MergeError.self) { try OpenAPIDocument.merge([("a.json", a), ("d.json", d)]) }
        #expect(throws: OpenAPIDocument.MergeError.self) { try OpenAPIDocument.merge([("e.json", Data("{".utf8))]) }
        #expect(throws: OpenAPIDocument.MergeError.self) { try OpenAPIDocument.merge([("f.json", Data(#"{"servers": []}"#.utf8))]) }
        // A fragment written as a standalone document keeps working: its header gives way.
        let g = Data(#"{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "tags": [{"name": "Rules"}], "paths": {"/api/y": {"get": {"responses": {}}}}}"#.utf8)
        let merged = try OpenAPIDocument.merge([("a.json", a), ("g.json", g)])
        #expect(merged.operations == ["GET /api/x", "GET /api/y"])
        let object = try #require(try JSONSerialization.jsonObject(with: merged.data) as? [String: Any])
        #expect((object["info"] as? [String: Any])?["title"] as? String == "Lorikeet HTTP API")
    }
}
