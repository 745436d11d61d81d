import Foundation
import Testing
@testable import HTTPAPI

@Suite("Strict JSON bodies")
struct StrictJSONTests {
    func code(_ body: String, _ schema: [String: FieldSchema] = DeviceInput.schema) -> (String, String)? {
        do { _ = try StrictJSON.decode(DeviceInput.self, from: Data(body.utf8), schema: schema); return nil } catch let e as APIError {
            return (e.code, e.message)
        } catch { return ("?", "\(error)") }
    }

    @Test("unknown fields are named, also nested")
    func unknownFields() throws {
        let r = try #require(code(#"{"devEUI":"0000000000000001","zzz":1}"#))
        #expect(r.0 == "unknown_field" && r.1.contains("'zzz'"))
        let nested = try #require(code(#"{"abp":{"devAddr":"01020304","appSKey":"00","extra":true}}"#))
        #expect(nested.0 == "unknown_field" && nested.1.contains("abp.extra"))
    }

    @Test("type and format errors name the field", arguments: [
        (#"{"devEUI":"0102"}"#, "devEUI"),
        (#"{"devEUI":12}"#, "devEUI"),
        (#"{"appKey":"0011"}"#, "appKey"),
        (#"{"disabled":"yes"}"#, "disabled"),
        (#"{"abp":{"devAddr":"0102"}}"#, "abp"),
    ])
    func formats(body: String, field: String) throws {
        let r = try #require(code(body))
        #expect(r.0 == "invalid_field" && r.1.contains(field), "\(r)")
    }

    @Test("not JSON, not an object, empty", arguments: ["", "{", "[1]", "\"x\"", "nul", String(repeating: "[", count: 10_000)])
    func malformed(body: String) throws {
        let r = try #require(code(body))
        #expect(["invalid_json", "invalid_body"].contains(r.0))
    }

    @Test("a valid body decodes")
    func valid() throws {
        let d = try StrictJSON.decode(DeviceInput.self, from: Data(#"{"devEUI":"0000000000000001","name":"n","disabled":false}"#.utf8), schema: DeviceInput.schema)
        #expect(d.name == "n" && d.devEUI?.rawValue == 1)
    }
}
